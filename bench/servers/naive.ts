/**
 * Baseline (b): the obvious implementation. One INSERT per message through a `pg` pool
 * (autocommit: one transaction and one WAL flush each), then the broadcast. No seq, no
 * idempotency, no conversation bookkeeping, no group commit. Its own tables in the
 * benchmark database; the message row has the same columns as ours and the same full-text
 * index (the product searches messages), so both pay the same for storing the text.
 */
import pg from 'pg';
import { baselineTables, conversationsIn, serveBaseline, toBaselineMessage } from './common.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(baselineTables('naive', { search: true }));

await serveBaseline({
  ...conversationsIn(pool, 'naive'),
  async store(m) {
    const { rows } = await pool.query(
      `insert into naive_messages (conversation_id, sender_type, sender_id, guest_id, message, message_type, client_message_id)
       values ($1, $2, $3, $4, $5, $6, $7) returning *`,
      [m.conversationId, m.senderType, m.senderId, m.guestId, m.message, m.messageType, m.clientMessageId],
    );
    return toBaselineMessage(rows[0]);
  },
});
