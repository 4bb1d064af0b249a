import type PgBoss from 'pg-boss';
import type { ReplyAddresses } from '../auth/reply-addresses.js';
import type { EmailTokens } from '../auth/email-tokens.js';
import type { Db } from '../db/connect.js';
import { claimFollowUp, dropFollowUp, dueFollowUps, followUpState, markEmailed, MAX_FOLLOW_UP_DAYS, releaseFollowUp } from '../db/email-follow-ups.js';
import type { Mailer } from '../net/mailer.js';
import type { Logger } from '../ops/logger.js';
import { composeFollowUp } from './follow-up-email.js';
import { unsubscribeLink } from './unsubscribe-link.js';

export interface EmailSettings {
  smtpUrl: string;
  from: string;
  /** How long a reply waits, unread and with the customer away, before it is emailed. */
  followUpDelayMs: number;
  /** The customer's app, where the widget opens on `?support_conversation=<id>`. */
  customerAppUrl: string;
  /** This server's public origin, for the unsubscribe link. */
  publicUrl: string;
}

const QUEUE = 'email-follow-up';
const MAX_AGE_MS = MAX_FOLLOW_UP_DAYS * 86_400_000;
const SWEEP_QUEUE = 'email-follow-up-sweep';

export interface FollowUpDeps {
  db: Db;
  mailer: Mailer;
  unsubscribeTokens: EmailTokens;
  /** Set when inbound email is on: the email's Reply-To, where the customer's answer becomes a message. */
  replyAddresses?: ReplyAddresses;
  /** Whether the customer has a live connection on any replica. */
  isConnected(owner: { userId: string | null; guestId: string | null }): Promise<boolean>;
  /** Queues the confirmation email of a guest's address. */
  requestConfirmation(guestId: string): Promise<void>;
}

/**
 * Emails agents' replies to customers who left. A reply marks its conversation (the outbox
 * row); its NOTIFY queues a job for when the delay has passed. The job looks again: replies
 * still unread, the customer away for the whole delay and not connected now, an address that
 * has not unsubscribed: one email with every unread reply since the last email. Otherwise it
 * ends (read, no address) or waits for the customer's delay to run out.
 */
export async function startEmailFollowUps(boss: PgBoss, deps: FollowUpDeps, settings: EmailSettings, log: Logger) {
  await boss.createQueue(QUEUE, { name: QUEUE, policy: 'short', retryLimit: 10, retryDelay: 30, retryBackoff: true });
  await boss.createQueue(SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: 'short', retryLimit: 0 });
  const schedule = (conversationId: string, at: Date) => boss.send(QUEUE, { conversationId }, { singletonKey: conversationId, startAfter: at });
  const pollingIntervalSeconds = Math.min(2, Math.max(0.5, settings.followUpDelayMs / 1000));

  /** Looks at one conversation's follow-up under its claim: ends it, sends it, or says when to look again. */
  const check = async (conversationId: string): Promise<Date | undefined> => {
    const state = await followUpState(deps.db, conversationId);
    if (!state) return undefined;
    const stale = Date.now() - state.since.getTime() > MAX_AGE_MS;
    if (!state.address || state.unsubscribed || state.replies.length === 0 || stale) {
      await dropFollowUp(deps.db, conversationId, state.lastSeq);
      return undefined;
    }
    // The delay counts from the first unemailed reply, and from the customer's last connection.
    const from = Math.max(state.since.getTime(), state.lastSeenAt?.getTime() ?? 0);
    if (from + settings.followUpDelayMs > Date.now()) return new Date(from + settings.followUpDelayMs);
    if (await deps.isConnected(state.owner)) return new Date(Date.now() + settings.followUpDelayMs);
    // A guest's address gets replies once confirmed. The follow-up stays; the confirmation's
    // NOTIFY brings it back (the sweep passes it by while its link is out).
    if (state.awaitingConfirmation) {
      if (!state.awaitingConfirmation.linkSent) await deps.requestConfirmation(state.awaitingConfirmation.guestId);
      return undefined;
    }

    const link = new URL(settings.customerAppUrl);
    link.searchParams.set('support_conversation', conversationId);
    const unsubscribe = unsubscribeLink(settings.publicUrl, deps.unsubscribeTokens, state.address);
    const replyTo = deps.replyAddresses?.address(conversationId);
    const email = composeFollowUp(state, { conversation: link.toString(), unsubscribe: unsubscribe.url }, { replyable: !!replyTo });
    await deps.mailer.send({
      to: state.address,
      ...email,
      replyTo,
      // Auto-Submitted among them: no out-of-office answer reaches the conversation.
      headers: unsubscribe.headers,
    });
    await markEmailed(deps.db, conversationId, state.replies.at(-1)!.seq);
    log.info({ conversationId, replies: state.replies.length }, 'follow-up email sent');
    return undefined;
  };

  await boss.work<{ conversationId: string }>(QUEUE, { pollingIntervalSeconds }, async ([job]) => {
    const { conversationId } = job!.data;
    // Another replica is checking it (a sweep queued this job meanwhile): that one decides.
    if (!(await claimFollowUp(deps.db, conversationId))) return;
    let later: Date | undefined;
    try {
      later = await check(conversationId);
    } finally {
      await releaseFollowUp(deps.db, conversationId);
    }
    if (later) await schedule(conversationId, later);
  });

  const sweep = async () => {
    for (const id of await dueFollowUps(deps.db, settings.followUpDelayMs, 1000)) await boss.send(QUEUE, { conversationId: id }, { singletonKey: id });
  };
  await boss.work(SWEEP_QUEUE, async () => sweep());
  await boss.schedule(SWEEP_QUEUE, '* * * * *');
  await boss.send(SWEEP_QUEUE, {});

  const scheduleOrWarn = (conversationId: string, at: Date) =>
    schedule(conversationId, at).catch((error: unknown) => log.warn({ err: error }, 'follow-up scheduling failed'));
  return {
    /** A reply marked its conversation (the NOTIFY): look again once the delay has passed. */
    onMarked: (conversationId: string) => void scheduleOrWarn(conversationId, new Date(Date.now() + settings.followUpDelayMs)),
    /** The guest confirmed their address (the NOTIFY): what waited for it is looked at now. */
    onConfirmed: (conversationId: string) => void scheduleOrWarn(conversationId, new Date()),
  };
}
