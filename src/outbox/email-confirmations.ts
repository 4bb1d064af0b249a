import escapeHtml from 'escape-html';
import type PgBoss from 'pg-boss';
import type { EmailTokens } from '../auth/email-tokens.js';
import type { Db } from '../db/connect.js';
import { newConfirmationToken } from '../auth/confirmation-tokens.js';
import { claimConfirmation, endConfirmationClaim } from '../db/email-follow-ups.js';
import type { Mailer } from '../net/mailer.js';
import type { Logger } from '../ops/logger.js';
import type { EmailSettings } from './email-follow-ups.js';
import { unsubscribeLink } from './unsubscribe-link.js';

const QUEUE = 'email-confirmation';

export interface ConfirmationDeps {
  db: Db;
  mailer: Mailer;
  unsubscribeTokens: EmailTokens;
}

/** The confirmation email: a link, nothing of any conversation, and what to do if it was not you. */
export function composeConfirmation(links: { confirm: string; unsubscribe: string }): { subject: string; text: string; html: string } {
  const asked = 'Support replied in a chat where this address was given for replies. Confirm it is yours, and the replies follow by email.';
  const ignore = 'If that was not you, ignore this email: nothing more will be sent to you.';
  return {
    subject: 'Confirm your email for support replies',
    text: [asked, '', `Confirm it: ${links.confirm}`, '', ignore, '', `Never email this address: ${links.unsubscribe}`].join('\n'),
    html: [
      '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">',
      `<p>${escapeHtml(asked)}</p>`,
      `<p><a href="${escapeHtml(links.confirm)}">Confirm my email</a></p>`,
      `<p>${escapeHtml(ignore)}</p>`,
      `<p style="font-size:small;color:#555"><a href="${escapeHtml(links.unsubscribe)}">Never email this address</a></p>`,
      '</body></html>',
    ].join('\n'),
  };
}

/**
 * Mails a guest's unconfirmed address its confirmation link (double opt-in), when a
 * follow-up first has replies for it: an address is mailed only because an agent answered
 * that guest, and each address at most once an hour, so the chat cannot be made to flood
 * strangers' inboxes.
 */
export async function startEmailConfirmations(boss: PgBoss, deps: ConfirmationDeps, settings: EmailSettings, log: Logger) {
  await boss.createQueue(QUEUE, { name: QUEUE, policy: 'short', retryLimit: 10, retryDelay: 30, retryBackoff: true });
  await boss.work<{ guestId: string }>(QUEUE, { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    const { guestId } = job!.data;
    const { token, hash } = newConfirmationToken();
    const address = await claimConfirmation(deps.db, guestId, hash);
    if (!address) return;
    const confirm = `${settings.publicUrl}/api/support/email/confirm?token=${token}`;
    const unsubscribe = unsubscribeLink(settings.publicUrl, deps.unsubscribeTokens, address);
    try {
      await deps.mailer.send({
        to: address,
        ...composeConfirmation({ confirm, unsubscribe: unsubscribe.url }),
        headers: unsubscribe.headers,
      });
    } catch (error) {
      await endConfirmationClaim(deps.db, guestId, false);
      throw error;
    }
    await endConfirmationClaim(deps.db, guestId, true);
    log.info('email confirmation sent');
  });
  return {
    /** Queues the confirmation of the guest's address (a follow-up found it unconfirmed). */
    request: async (guestId: string) => void (await boss.send(QUEUE, { guestId }, { singletonKey: guestId })),
  };
}
