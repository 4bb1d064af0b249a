import type { Kysely } from 'kysely';
import type { ConversationRow, ConversationType, Database } from './schema.js';

export const conversationColumns = [
  'id',
  'user_id',
  'guest_id',
  'admin_id',
  'type',
  'subject',
  'status',
  'priority',
  'last_seq',
  'last_message_at',
  'customer_read_seq',
  'agent_read_seq',
  'created_at',
  'updated_at',
] as const;

export type Owner = { userId: string; guestId?: undefined } | { guestId: string; userId?: undefined };

export async function findConversation(db: Kysely<Database>, id: string): Promise<ConversationRow | undefined> {
  return db.selectFrom('conversations').select(conversationColumns).where('id', '=', id).executeTakeFirst();
}

export async function findActiveConversation(db: Kysely<Database>, owner: Owner, type: ConversationType) {
  return db
    .selectFrom('conversations')
    .select(conversationColumns)
    .$if(owner.userId !== undefined, (q) => q.where('user_id', '=', owner.userId!))
    .$if(owner.guestId !== undefined, (q) => q.where('guest_id', '=', owner.guestId!))
    .where('type', '=', type)
    .where('status', 'in', ['open', 'pending'])
    .executeTakeFirst();
}

/** The owner's most recently active open or pending conversation, of any type. */
export async function findNewestActiveConversation(db: Kysely<Database>, owner: Owner) {
  return db
    .selectFrom('conversations')
    .select(conversationColumns)
    .$if(owner.userId !== undefined, (q) => q.where('user_id', '=', owner.userId!))
    .$if(owner.guestId !== undefined, (q) => q.where('guest_id', '=', owner.guestId!))
    .where('status', 'in', ['open', 'pending'])
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Returns the owner's open or pending conversation of this type, creating it if there is
 * none. The partial unique indexes make a concurrent second insert a no-op, after which
 * the winner's row is read back: two racing calls always get the same conversation.
 */
export async function getOrCreateConversation(
  db: Kysely<Database>,
  owner: Owner,
  type: ConversationType,
  subject: string | null,
): Promise<{ conversation: ConversationRow; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const existing = await findActiveConversation(db, owner, type);
    if (existing) return { conversation: existing, created: false };
    const inserted = await db
      .insertInto('conversations')
      .values({ user_id: owner.userId ?? null, guest_id: owner.guestId ?? null, type, subject })
      .onConflict((oc) => oc.doNothing())
      .returning(conversationColumns)
      .executeTakeFirst();
    if (inserted) return { conversation: inserted, created: true };
  }
  // Only reachable if the winner closed its conversation three times in a row between our reads.
  throw new Error('getOrCreateConversation: could not settle on a conversation');
}

/** The newest conversations of one customer (user or guest), for the agents' customer panel. */
export async function listConversationsOf(db: Kysely<Database>, owner: Owner, limit: number): Promise<ConversationRow[]> {
  const all = db.selectFrom('conversations').select(conversationColumns);
  const theirs = owner.userId !== undefined ? all.where('user_id', '=', owner.userId) : all.where('guest_id', '=', owner.guestId);
  return theirs.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}
