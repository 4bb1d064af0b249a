import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface NewAuthCode {
  codeHash: string;
  codeSealed: string;
  userId: string | null;
  guestId: string | null;
  conversationId: string | null;
  deviceInfo: unknown;
  createdBy: string;
  ttlSeconds: number;
}

/**
 * Stores a code unless an unspent code already has the same digits (then returns
 * undefined and the caller draws again). An expired holder of the digits is retired
 * first, so expired rows never block new codes.
 */
export async function insertAuthCode(db: Kysely<Database>, c: NewAuthCode) {
  return db.transaction().execute(async (trx) => {
    await trx
      .updateTable('auth_codes')
      .set({ burnt_at: sql`now()`, code_sealed: null })
      .where('code_hash', '=', c.codeHash)
      .where('used_at', 'is', null)
      .where('burnt_at', 'is', null)
      .where('expires_at', '<=', sql<Date>`now()`)
      .execute();
    return trx
      .insertInto('auth_codes')
      .values({
        code_hash: c.codeHash,
        code_sealed: c.codeSealed,
        user_id: c.userId,
        guest_id: c.guestId,
        conversation_id: c.conversationId,
        device_info: c.deviceInfo === undefined ? null : JSON.stringify(c.deviceInfo),
        created_by: c.createdBy,
        // The database clock decides expiry, the same clock that checks it.
        expires_at: sql<Date>`now() + make_interval(secs => ${c.ttlSeconds})`,
      })
      .onConflict((oc) => oc.expression(sql`code_hash`).where('used_at', 'is', null).where('burnt_at', 'is', null).doNothing())
      .returning(['id', 'expires_at'])
      .executeTakeFirst();
  });
}

export type CodeOwner = { userId: string } | { guestId: string };

/**
 * Spends a live code in one statement, so concurrent tries of one code give exactly one
 * success. When an owner is named, the code must be theirs.
 */
export async function consumeAuthCode(db: Kysely<Database>, codeHash: string, owner?: CodeOwner) {
  return db
    .updateTable('auth_codes')
    // A spent code's digits are of no more use to anyone: the sealed copy goes too.
    .set({ used_at: sql`now()`, code_sealed: null })
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .where('burnt_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .$if(owner !== undefined && 'userId' in owner, (q) => q.where('user_id', '=', (owner as { userId: string }).userId))
    .$if(owner !== undefined && 'guestId' in owner, (q) => q.where('guest_id', '=', (owner as { guestId: string }).guestId))
    .returning(['id', 'code_hash', 'user_id', 'guest_id', 'conversation_id'])
    .executeTakeFirst();
}

/** Burns every unspent code of an owner: what five wrong guesses naming them cost. */
export async function burnLiveCodes(db: Kysely<Database>, owner: CodeOwner): Promise<void> {
  await db
    .updateTable('auth_codes')
    .set({ burnt_at: sql`now()`, code_sealed: null })
    .where('used_at', 'is', null)
    .where('burnt_at', 'is', null)
    .$if('userId' in owner, (q) => q.where('user_id', '=', (owner as { userId: string }).userId))
    .$if('guestId' in owner, (q) => q.where('guest_id', '=', (owner as { guestId: string }).guestId))
    .execute();
}

/** Records which `auth_code` message announced a code, so the owner's history can show it. */
export async function linkAuthCodeMessage(db: Kysely<Database>, codeId: string, messageId: string): Promise<void> {
  await db.updateTable('auth_codes').set({ message_id: messageId }).where('id', '=', codeId).execute();
}

export type AuthCodeState = 'live' | 'used' | 'expired' | 'burnt';

/** The codes announced by these messages, with their state on the database clock. */
export async function findAuthCodesOfMessages(db: Kysely<Database>, messageIds: string[]) {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('auth_codes')
    .select([
      'message_id',
      'code_hash',
      'code_sealed',
      sql<AuthCodeState>`case when used_at is not null then 'used' when burnt_at is not null then 'burnt'
        when expires_at <= now() then 'expired' else 'live' end`.as('state'),
    ])
    .where('message_id', 'in', messageIds)
    .execute();
}
