import { sql, type Kysely } from 'kysely';
import { messageColumns } from './message-columns.js';
import type { Database, MessageRow } from './schema.js';

/**
 * The message writer's share: an agent's reply marks its conversation for a follow-up, in
 * the same statement (one row per conversation; the first unanswered reply's time stays).
 */
export const repliesFollowedUp = (source: string) => `
followed_up as (
  insert into email_follow_ups (conversation_id)
  select distinct conversation_id from ${source} where sender_type = 'admin'
  on conflict (conversation_id) do nothing
)`;

export async function followUpMessage(trx: Kysely<Database>, message: { conversation_id: string; sender_type: string }): Promise<void> {
  if (message.sender_type !== 'admin') return;
  await trx.insertInto('email_follow_ups').values({ conversation_id: message.conversation_id }).onConflict((oc) => oc.column('conversation_id').doNothing()).execute();
}

export interface FollowUpState {
  since: Date;
  /** The conversation's newest seq when this was read. */
  lastSeq: number;
  owner: { userId: string | null; guestId: string | null };
  address: string | null;
  /** A guest's address not confirmed yet: no reply goes there; and whether its link was sent. */
  awaitingConfirmation: { guestId: string; linkSent: boolean } | null;
  unsubscribed: boolean;
  lastSeenAt: Date | null;
  /** Agents' replies the customer has neither read nor been emailed, oldest first. */
  replies: (MessageRow & { author: string | null })[];
}

export const ownerKey = (owner: { userId: string | null; guestId: string | null }) => (owner.userId ? `user:${owner.userId}` : `guest:${owner.guestId}`);

/** Everything a follow-up decision needs, or undefined when there is nothing to follow up. */
export async function followUpState(db: Kysely<Database>, conversationId: string): Promise<FollowUpState | undefined> {
  const row = await db
    .selectFrom('email_follow_ups as f')
    .innerJoin('conversations as c', 'c.id', 'f.conversation_id')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .leftJoin('guests as g', 'g.id', 'c.guest_id')
    .select(['f.since', 'c.last_seq', 'c.user_id', 'c.guest_id', 'c.customer_read_seq', 'c.emailed_seq', 'u.email as user_email', 'u.erased_at as user_erased', 'g.email as guest_email', 'g.erased_at as guest_erased', 'g.email_confirmed_at', 'g.email_confirmation_sent_at'])
    .where('f.conversation_id', '=', conversationId)
    .executeTakeFirst();
  if (!row) return undefined;
  const erased = row.user_erased !== null || row.guest_erased !== null;
  const address = erased ? null : (row.user_email ?? row.guest_email);
  const owner = { userId: row.user_id, guestId: row.guest_id };
  const [unsubscribed, lastSeen, replies] = await Promise.all([
    address ? db.selectFrom('email_unsubscribes').select('address').where('address', '=', address.toLowerCase()).executeTakeFirst() : undefined,
    db.selectFrom('customer_last_seen').select('seen_at').where('owner', '=', ownerKey(owner)).executeTakeFirst(),
    db
      .selectFrom('messages as m')
      .leftJoin('users as a', 'a.id', 'm.sender_id')
      .select([...messageColumns.map((c) => `m.${c}` as const), sql<string | null>`coalesce(a.first_name, 'Support')`.as('author')])
      .where('m.conversation_id', '=', conversationId)
      .where('m.seq', '>', Math.max(row.customer_read_seq, row.emailed_seq))
      .where('m.sender_type', '=', 'admin')
      .orderBy('m.seq')
      .limit(50)
      .execute(),
  ]);
  const awaitingConfirmation =
    address && !row.user_email && row.guest_id && !row.email_confirmed_at ? { guestId: row.guest_id, linkSent: row.email_confirmation_sent_at !== null } : null;
  return { since: row.since, lastSeq: row.last_seq, owner, address, awaitingConfirmation, unsubscribed: !!unsubscribed, lastSeenAt: lastSeen?.seen_at ?? null, replies };
}

/** A conversation's owner and the address they are emailed at now (none once erased). */
export async function ownerAddressOf(db: Kysely<Database>, conversationId: string) {
  const row = await db
    .selectFrom('conversations as c')
    .leftJoin('users as u', 'u.id', 'c.user_id')
    .leftJoin('guests as g', 'g.id', 'c.guest_id')
    .select(['c.user_id', 'c.guest_id', 'u.email as user_email', 'u.erased_at as user_erased', 'g.email as guest_email', 'g.erased_at as guest_erased', 'g.email_confirmed_at'])
    .where('c.id', '=', conversationId)
    .executeTakeFirst();
  if (!row) return undefined;
  const erased = row.user_erased !== null || row.guest_erased !== null;
  // A guest's address speaks for them once they confirmed it, as it is mailed only then.
  const guestAddress = row.email_confirmed_at ? row.guest_email : null;
  return { userId: row.user_id, guestId: row.guest_id, address: erased ? null : (row.user_email ?? guestAddress) };
}

const CLAIM_SECONDS = 120;
/** Replies older than this are never emailed: a follow-up switched on late sends no backlog. */
export const MAX_FOLLOW_UP_DAYS = 7;

/** Takes the follow-up for one check, or answers false while another worker has it. */
export async function claimFollowUp(db: Kysely<Database>, conversationId: string): Promise<boolean> {
  const claimed = await db
    .updateTable('email_follow_ups')
    .set({ claimed_until: sql`now() + make_interval(secs => ${CLAIM_SECONDS})` })
    .where('conversation_id', '=', conversationId)
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', sql<Date>`now()`)]))
    .executeTakeFirst();
  return claimed.numUpdatedRows > 0n;
}

/** The check ended without an email (it waits for its time): the next job may take it. */
export async function releaseFollowUp(db: Kysely<Database>, conversationId: string): Promise<void> {
  await db.updateTable('email_follow_ups').set({ claimed_until: null }).where('conversation_id', '=', conversationId).execute();
}

/**
 * Nothing to send (read, no address, unsubscribed): the follow-up ends, unless a reply came
 * after the state was read (its mark found this row and queued nothing of its own).
 */
export async function dropFollowUp(db: Kysely<Database>, conversationId: string, seenLastSeq: number): Promise<void> {
  await sql`delete from email_follow_ups f using conversations c
    where f.conversation_id = ${conversationId}::uuid and c.id = f.conversation_id and c.last_seq <= ${seenLastSeq}`.execute(db);
}

/**
 * The email went out with the replies up to `lastSeq`: the next one starts after them. A reply
 * written meanwhile (its mark found this row and did nothing) keeps the follow-up alive.
 */
export async function markEmailed(db: Kysely<Database>, conversationId: string, lastSeq: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('conversations').set({ emailed_seq: sql`greatest(emailed_seq, ${lastSeq})` }).where('id', '=', conversationId).execute();
    await trx.deleteFrom('email_follow_ups').where('conversation_id', '=', conversationId).execute();
    await sql`insert into email_follow_ups (conversation_id)
      select ${conversationId}::uuid where exists (
        select 1 from messages where conversation_id = ${conversationId}::uuid and seq > ${lastSeq} and sender_type = 'admin')
      on conflict do nothing`.execute(trx);
  });
}

/**
 * Follow-ups whose delay has run out by their own clock: the periodic sweep's list. Those
 * waiting for a guest to confirm the address mailed a link wait for the confirmation's
 * NOTIFY instead, until they are old enough to be dropped.
 */
export async function dueFollowUps(db: Kysely<Database>, delayMs: number, limit: number): Promise<string[]> {
  const { rows } = await sql<{ conversation_id: string }>`
    select f.conversation_id from email_follow_ups f
    join conversations c on c.id = f.conversation_id
    left join guests g on g.id = c.guest_id
    where f.since <= now() - make_interval(secs => ${delayMs / 1000})
      and (g.email_confirmed_at is not null or g.email_confirmation_sent_at is null
        or f.since < now() - interval '${sql.raw(`${MAX_FOLLOW_UP_DAYS} days`)}')
    order by f.since
    limit ${limit}`.execute(db);
  return rows.map((r) => r.conversation_id);
}

/** When customers were last connected, written in one statement for a batch of disconnects. */
export async function recordLastSeen(db: Kysely<Database>, owners: string[]): Promise<void> {
  if (owners.length === 0) return;
  await sql`insert into customer_last_seen (owner, seen_at) select unnest(${owners}::text[]), now()
    on conflict (owner) do update set seen_at = excluded.seen_at`.execute(db);
}

/**
 * Saves the address a guest gave. Unless it is the one they already confirmed, it is
 * unconfirmed: the next follow-up mails it a confirmation link instead of replies.
 */
export async function setGuestEmail(db: Kysely<Database>, guestId: string, email: string): Promise<void> {
  const kept = sql`lower(email) = lower(${email}) and email_confirmed_at is not null`;
  await db
    .updateTable('guests')
    .set({
      email,
      email_confirmed_at: sql`case when ${kept} then email_confirmed_at end`,
      email_confirmation_sent_at: sql`case when ${kept} then email_confirmation_sent_at end`,
      email_confirmation_claimed_until: null,
      email_confirmation_hash: null,
    })
    .where('id', '=', guestId)
    .execute();
}

/** The hour in which an address gets at most one confirmation email, whichever guests name it. */
const CONFIRMATION_INTERVAL = '1 hour';

/**
 * Takes the guest's confirmation email to send, with the hash of the link's token: their
 * unconfirmed address, unless its link went out already, another sender holds it (for two
 * minutes), the address unsubscribed, or it got a confirmation in the last hour. Undefined:
 * none to send now.
 */
export async function claimConfirmation(db: Kysely<Database>, guestId: string, tokenHash: string): Promise<string | undefined> {
  const { rows } = await sql<{ email: string }>`
    update guests g set email_confirmation_claimed_until = now() + interval '2 minutes', email_confirmation_hash = ${tokenHash}
    where g.id = ${guestId} and g.email is not null and g.email_confirmed_at is null and g.email_confirmation_sent_at is null
      and g.erased_at is null
      and (g.email_confirmation_claimed_until is null or g.email_confirmation_claimed_until < now())
      and not exists (select 1 from guests o where lower(o.email) = lower(g.email)
        and o.email_confirmation_sent_at > now() - interval '${sql.raw(CONFIRMATION_INTERVAL)}')
      and not exists (select 1 from email_unsubscribes u where u.address = lower(g.email))
    returning g.email`.execute(db);
  return rows[0]?.email;
}

/** The confirmation email left (`sent`), or did not (the next follow-up check tries again). */
export async function endConfirmationClaim(db: Kysely<Database>, guestId: string, sent: boolean): Promise<void> {
  await db
    .updateTable('guests')
    .set({ email_confirmation_claimed_until: null, ...(sent ? { email_confirmation_sent_at: sql`now()` } : { email_confirmation_hash: null }) })
    .where('id', '=', guestId)
    .execute();
}

/**
 * The guest who was mailed this link's token confirms the address (still theirs, since a
 * new address clears the token): replies may go there, and their follow-ups waiting for it
 * are looked at now (the NOTIFY). False: no such link any more.
 */
export async function confirmGuestEmail(db: Kysely<Database>, tokenHash: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const confirmed = await trx
      .updateTable('guests')
      .set({ email_confirmed_at: sql`now()`, email_confirmation_hash: null })
      .where('email_confirmation_hash', '=', tokenHash)
      .where('erased_at', 'is', null)
      .where('email', 'is not', null)
      .returning('id')
      .executeTakeFirst();
    if (!confirmed) return false;
    await sql`select pg_notify('email_follow_up_now', f.conversation_id::text)
      from email_follow_ups f join conversations c on c.id = f.conversation_id where c.guest_id = ${confirmed.id}`.execute(trx);
    return true;
  });
}

export async function unsubscribeAddress(db: Kysely<Database>, address: string): Promise<boolean> {
  const result = await db.insertInto('email_unsubscribes').values({ address: address.toLowerCase() }).onConflict((oc) => oc.column('address').doNothing()).executeTakeFirst();
  return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
