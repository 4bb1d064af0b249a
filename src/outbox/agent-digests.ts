import type PgBoss from 'pg-boss';
import type { EmailTokens } from '../auth/email-tokens.js';
import { dueAgentDigests, markAgentEmailed, type AgentDigestItem } from '../db/agent-emails.js';
import type { Db } from '../db/connect.js';
import type { Mailer } from '../net/mailer.js';
import type { Logger } from '../ops/logger.js';
import { composeAgentDigest } from './agent-email.js';
import type { EmailSettings } from './email-follow-ups.js';
import { unsubscribeLink } from './unsubscribe-link.js';

const QUEUE = 'agent-email-digest';
/** Conversations looked at per sweep; the rest wait for the next one. */
const BATCH = 1000;

export interface AgentDigestDeps {
  db: Db;
  mailer: Mailer;
  unsubscribeTokens: EmailTokens;
}

/**
 * Emails agents who are away about their customers' new messages. One sweep at a time in
 * the whole deployment (the queue's `stately` policy) looks at every assigned conversation
 * with customer news; each sweep queues the next, and pg-boss's cron queues one every minute
 * in case that chain broke (a replica died mid-sweep). An agent is away when their console
 * has sent no heartbeat for EMAIL_FOLLOW_UP_DELAY, and gets at most one email per delay.
 */
export async function startAgentDigests(boss: PgBoss, deps: AgentDigestDeps, settings: EmailSettings, log: Logger): Promise<void> {
  await boss.createQueue(QUEUE, { name: QUEUE, policy: 'stately', retryLimit: 0 });
  const awaySeconds = settings.followUpDelayMs / 1000;
  const everySeconds = Math.min(60, Math.max(1, Math.round(awaySeconds / 2)));
  const queueNext = () => boss.send(QUEUE, {}, { startAfter: everySeconds });

  const emailAgent = async (items: AgentDigestItem[]) => {
    const address = items[0]!.agent_email;
    const unsubscribe = unsubscribeLink(settings.publicUrl, deps.unsubscribeTokens, address);
    const email = composeAgentDigest(items, { console: `${settings.publicUrl}/agent`, unsubscribe: unsubscribe.url });
    await deps.mailer.send({
      to: address,
      ...email,
      headers: unsubscribe.headers,
    });
    await markAgentEmailed(deps.db, items[0]!.admin_id, items);
    log.info({ adminId: items[0]!.admin_id, conversations: items.length }, 'agent email sent');
  };

  const sweep = async () => {
    const byAgent = new Map<string, AgentDigestItem[]>();
    for (const item of await dueAgentDigests(deps.db, awaySeconds, BATCH)) byAgent.set(item.admin_id, [...(byAgent.get(item.admin_id) ?? []), item]);
    for (const items of byAgent.values()) {
      // One agent's mail server refusing must not hold back the others: theirs is tried
      // again after a delay.
      await emailAgent(items).catch(async (error: unknown) => {
        log.warn({ err: error, adminId: items[0]!.admin_id }, 'agent email failed');
        await markAgentEmailed(deps.db, items[0]!.admin_id, []);
      });
    }
  };

  await boss.work(QUEUE, { pollingIntervalSeconds: Math.min(2, everySeconds) }, async () => {
    try {
      await sweep();
    } finally {
      await queueNext();
    }
  });
  await boss.schedule(QUEUE, '* * * * *');
  await queueNext();
}
