import type { Kysely } from 'kysely';
import type { Database, MessageRow, MessageType, SenderType } from './schema.js';

export const messageColumns = [
  'id',
  'conversation_id',
  'seq',
  'sender_type',
  'sender_id',
  'guest_id',
  'message',
  'message_type',
  'is_read',
  'client_message_id',
  'created_at',
] as const;

export interface MessageToStore {
  conversationId: string;
  senderType: SenderType;
  senderId: string | null;
  guestId: string | null;
  message: string;
  messageType: MessageType;
  clientMessageId: string | null;
  /** Becomes the conversation's admin if it has none yet. */
  claimAdminId: string | null;
}

/**
 * Stores a message with the next seq of its conversation, in one transaction: the
 * conversation row's lock serialises senders, so seq has no gaps and no repeats. A
 * `clientMessageId` seen before returns the stored message instead of a second copy.
 * Returns undefined when the conversation does not exist.
 */
export async function storeMessage(
  db: Kysely<Database>,
  m: MessageToStore,
): Promise<{ message: MessageRow; created: boolean } | undefined> {
  return db.transaction().execute(async (trx) => {
    const conversation = await trx
      .selectFrom('conversations')
      .select(['last_seq'])
      .where('id', '=', m.conversationId)
      .forUpdate()
      .executeTakeFirst();
    if (!conversation) return undefined;

    if (m.clientMessageId) {
      const earlier = await trx
        .selectFrom('messages')
        .select(messageColumns)
        .where('conversation_id', '=', m.conversationId)
        .where('client_message_id', '=', m.clientMessageId)
        .executeTakeFirst();
      if (earlier) return { message: earlier, created: false };
    }

    const seq = conversation.last_seq + 1;
    const message = await trx
      .insertInto('messages')
      .values({
        conversation_id: m.conversationId,
        seq,
        sender_type: m.senderType,
        sender_id: m.senderId,
        guest_id: m.guestId,
        message: m.message,
        message_type: m.messageType,
        client_message_id: m.clientMessageId,
      })
      .returning(messageColumns)
      .executeTakeFirstOrThrow();

    await trx
      .updateTable('conversations')
      .set((eb) => ({
        last_seq: seq,
        last_message_at: message.created_at,
        updated_at: message.created_at,
        admin_id: m.claimAdminId ? eb.fn.coalesce('admin_id', eb.val(m.claimAdminId)) : eb.ref('admin_id'),
      }))
      .where('id', '=', m.conversationId)
      .execute();

    return { message, created: true };
  });
}

/** Messages with seq in [fromSeq, toSeq], oldest first. */
export async function listMessagesBySeq(
  db: Kysely<Database>,
  conversationId: string,
  fromSeq: number,
  toSeq: number,
): Promise<MessageRow[]> {
  return db
    .selectFrom('messages')
    .select(messageColumns)
    .where('conversation_id', '=', conversationId)
    .where('seq', '>=', fromSeq)
    .where('seq', '<=', toSeq)
    .orderBy('seq', 'asc')
    .execute();
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
