import escapeHtml from 'escape-html';
import type PgBoss from 'pg-boss';
import { endpointNoticeRecipients } from '../db/agent-emails.js';
import type { Db } from '../db/connect.js';
import { jobDatabase } from '../db/jobs.js';
import { findEndpoint } from '../db/webhooks.js';
import type { Mailer, OutgoingEmail } from '../net/mailer.js';
import type { Logger } from '../ops/logger.js';
import type { EmailSettings } from './email-follow-ups.js';

const QUEUE = 'webhook-endpoint-disabled-email';
/** One job per recipient: a mailbox that refuses is retried alone, the others mailed once. */
const SEND_QUEUE = 'webhook-endpoint-disabled-email-send';
/** Admins told when the endpoint's own author cannot be. */
const MAX_RECIPIENTS = 20;

/**
 * Tells admins by email that a webhook endpoint was turned off for failing too long. The
 * notice is a job queued in the transaction that turns the endpoint off, so a crash between
 * the two loses neither; each recipient's email is a job of its own, retried while their
 * mail server is down.
 */
export async function startEndpointNotices(boss: PgBoss, deps: { db: Db; mailer: Mailer }, settings: EmailSettings, log: Logger) {
  await boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 20, retryDelay: 60, retryBackoff: true });
  await boss.createQueue(SEND_QUEUE, { name: SEND_QUEUE, retryLimit: 20, retryDelay: 60, retryBackoff: true });
  await boss.work<OutgoingEmail>(SEND_QUEUE, async ([job]) => deps.mailer.send(job!.data));
  await boss.work<{ endpointId: string }>(QUEUE, async ([job]) => {
    const endpoint = await findEndpoint(deps.db, job!.data.endpointId);
    // Deleted or turned on again meanwhile: nothing to say any more.
    if (!endpoint || endpoint.enabled) return;
    const recipients = await endpointNoticeRecipients(deps.db, endpoint.created_by, MAX_RECIPIENTS);
    const subject = 'A webhook endpoint was turned off';
    const lines = [
      `Every delivery to ${endpoint.url} failed for too long, so it was turned off: ${endpoint.disabled_reason ?? ''}`,
      'Its events are kept. Once the receiver answers again, turn the endpoint back on and they are sent, in order:',
      `PATCH ${settings.publicUrl}/api/support/admin/webhooks/${endpoint.id} with {"enabled": true}.`,
      `Its last deliveries and their answers: GET ${settings.publicUrl}/api/support/admin/webhooks/${endpoint.id}/deliveries`,
    ];
    const html = ['<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">', ...lines.map((l) => `<p>${escapeHtml(l)}</p>`), '</body></html>'].join('\n');
    // In one statement: every recipient is queued, or none (and this job is retried).
    await boss.insert(recipients.map((to) => ({ name: SEND_QUEUE, data: { to, subject, text: lines.join('\n\n'), html } satisfies OutgoingEmail })));
    log.info({ endpointId: endpoint.id, recipients: recipients.length }, 'admins to be told of a disabled webhook endpoint');
  });
  return {
    /** Queues the notice inside the transaction that turned the endpoint off. */
    whenDisabled: async (trx: Db, endpointId: string) => {
      await boss.send(QUEUE, { endpointId }, { db: jobDatabase(trx) });
    },
  };
}
