import type { ReplyAddresses } from '../auth/reply-addresses.js';
import type { EmailTokens } from '../auth/email-tokens.js';
import type { Config } from '../config.js';
import type { Db } from '../db/connect.js';
import { createJobQueue } from '../db/jobs.js';
import { listenFor } from '../db/notifications.js';
import type { AttachmentFiles } from '../files/attachment-files.js';
import { createMailer } from '../net/mailer.js';
import type { Logger } from '../ops/logger.js';
import { startAgentDigests } from './agent-digests.js';
import { startEmailConfirmations } from './email-confirmations.js';
import { startEmailFollowUps, type FollowUpDeps } from './email-follow-ups.js';
import { startEndpointNotices } from './endpoint-notices.js';
import { startWebhookWorker } from './webhook-worker.js';

const STOP_TIMEOUT_MS = 10_000;

export interface OutboxDeps {
  db: Db;
  files: AttachmentFiles;
  isConnected: FollowUpDeps['isConnected'];
  unsubscribeTokens: EmailTokens;
  replyAddresses?: ReplyAddresses;
}

/**
 * Everything that leaves the process, on one pg-boss: webhook deliveries, and when SMTP is
 * configured, follow-up emails to customers, emails to agents who are away, and notices to
 * admins of a webhook endpoint turned off. The outbox rows' NOTIFYs arrive on one connection.
 */
export async function startOutbox(config: Config, deps: OutboxDeps, log: Logger): Promise<{ stop(): Promise<void> }> {
  const { boss, stop: stopJobs } = createJobQueue(deps.db, { schedule: true, supervise: true });
  boss.on('error', (error) => log.warn({ err: error }, 'job queue error'));
  const mailer = config.email && createMailer(config.email.smtpUrl, config.email.from);
  let webhooks: Awaited<ReturnType<typeof startWebhookWorker>> | undefined;
  let listening: Awaited<ReturnType<typeof listenFor>> | undefined;
  // Jobs that are running finish (a delivery or an email in flight is not cut off and sent
  // again by another replica); those that do not finish in time are retried elsewhere.
  const stop = async () => {
    await listening?.close();
    await stopJobs(STOP_TIMEOUT_MS);
    webhooks?.close();
    mailer?.close();
  };
  try {
    await boss.start();
    let followUps: Awaited<ReturnType<typeof startEmailFollowUps>> | undefined;
    let notices: Awaited<ReturnType<typeof startEndpointNotices>> | undefined;
    if (mailer && config.email) {
      const mail = { db: deps.db, mailer, unsubscribeTokens: deps.unsubscribeTokens };
      const confirmations = await startEmailConfirmations(boss, mail, config.email, log);
      const followUpDeps = { ...mail, isConnected: deps.isConnected, replyAddresses: deps.replyAddresses, requestConfirmation: confirmations.request };
      followUps = await startEmailFollowUps(boss, followUpDeps, config.email, log);
      await startAgentDigests(boss, mail, config.email, log);
      notices = await startEndpointNotices(boss, mail, config.email, log);
    }
    webhooks = await startWebhookWorker(boss, { ...deps, whenDisabled: notices?.whenDisabled }, config.webhooks, log);
    listening = await listenFor(
      deps.db,
      config.database,
      {
        webhook_outbox: webhooks.onQueued,
        ...(followUps && { email_follow_up: followUps.onMarked, email_follow_up_now: followUps.onConfirmed }),
      },
      (error) => log.warn({ err: error }, 'outbox listener lost its connection'),
    );
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { stop };
}
