import type { Kysely } from 'kysely';
import type { Database, MessageRow } from './schema.js';
import { listMessagesBySeqPrepared } from './prepared.js';
import { messageColumns } from './message-columns.js';
import { messageWriterFor, storeMessageAlone, type MessageToStore, type StoreOutcome } from './message-writer.js';

export { messageColumns, messageWriterFor, type MessageToStore, type StoreOutcome };

/**
 * Stores a message with the next seq of its conversation: the conversation row's lock
 * serialises writers, so seq has no gaps and no repeats. A `clientMessageId` seen before
 * returns the stored message instead of a second copy. Returns undefined when the
 * conversation does not exist (or, with `requireOpen`, is closed). Resolves only after
 * the message is committed.
 *
 * Sends that arrive together are group-committed (see MessageWriter): one statement and
 * one WAL flush for the lot. Inside a caller's transaction the message is written there.
 */
export async function storeMessage(
  db: Kysely<Database>,
  m: MessageToStore,
): Promise<{ message: MessageRow; created: boolean } | undefined> {
  const outcome = await writeMessage(db, m);
  return outcome.status === 'stored' ? { message: outcome.message, created: outcome.created } : undefined;
}

/** storeMessage with every outcome told apart: stored, missing or closed. */
export function writeMessage(db: Kysely<Database>, m: MessageToStore): Promise<StoreOutcome> {
  return db.isTransaction ? storeMessageAlone(db, m) : messageWriterFor(db).store(m);
}

/** Messages with seq in [fromSeq, toSeq], oldest first (a prepared statement: history and sync). */
export async function listMessagesBySeq(
  db: Kysely<Database>,
  conversationId: string,
  fromSeq: number,
  toSeq: number,
): Promise<MessageRow[]> {
  return listMessagesBySeqPrepared(db, conversationId, fromSeq, toSeq);
}

export async function findMessage(db: Kysely<Database>, id: string): Promise<MessageRow | undefined> {
  return db.selectFrom('messages').select(messageColumns).where('id', '=', id).executeTakeFirst();
}

/** Returns true when this call changed the flag (false when it was already read). */
export async function markMessageRead(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db
    .updateTable('messages')
    .set({ is_read: true })
    .where('id', '=', id)
    .where('is_read', '=', false)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
