/**
 * Baseline (b): the obvious implementation. One INSERT per message through a `pg` pool
 * (autocommit: one transaction and one WAL flush each), then the broadcast. No seq, no
 * idempotency, no conversation bookkeeping, no group commit. Its own tables in the
 * benchmark database; the message row has the same columns as ours and the same full-text
 * index (the product searches messages), so both pay the same for storing the text.
 */
import pg from 'pg';
import { serveBaseline, type BaselineMessage } from './common.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`
  create table if not exists naive_conversations (
    id uuid primary key default gen_random_uuid(),
    guest_id text not null,
    created_at timestamptz not null default now());
  create table if not exists naive_messages (
    id uuid primary key default gen_random_uuid(),
    conversation_id uuid not null references naive_conversations (id),
    sender_type text not null,
    sender_id uuid,
    guest_id text,
    message text not null,
    message_type text not null,
    is_read boolean not null default false,
    client_message_id uuid,
    created_at timestamptz not null default now());
  create index if not exists naive_messages_conversation on naive_messages (conversation_id, created_at);
  create index if not exists naive_messages_body_search on naive_messages using gin (to_tsvector('simple', message))
    with (fastupdate = off);
`);

await serveBaseline({
  async createConversation(guestId) {
    const { rows } = await pool.query<{ id: string }>('insert into naive_conversations (guest_id) values ($1) returning id', [guestId]);
    return rows[0]!.id;
  },
  async mayJoin(principal, conversationId) {
    if (principal.type === 'admin') return true;
    const { rows } = await pool.query('select guest_id from naive_conversations where id = $1', [conversationId]);
    return rows[0]?.guest_id === principal.id;
  },
  async store(m) {
    const { rows } = await pool.query(
      `insert into naive_messages (conversation_id, sender_type, sender_id, guest_id, message, message_type, client_message_id)
       values ($1, $2, $3, $4, $5, $6, $7) returning *`,
      [m.conversationId, m.senderType, m.senderId, m.guestId, m.message, m.messageType, m.clientMessageId],
    );
    const r = rows[0];
    const message: BaselineMessage = {
      id: r.id,
      conversationId: r.conversation_id,
      senderId: r.sender_id,
      senderType: r.sender_type,
      guestId: r.guest_id,
      message: r.message,
      messageType: r.message_type,
      isRead: r.is_read,
      clientMessageId: r.client_message_id,
      createdAt: r.created_at.toISOString(),
    };
    return message;
  },
});
