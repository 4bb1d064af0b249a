/**
 * Baseline (c): the least a durable chat server must do, group-committed. Every message that
 * arrives while a write is in flight joins the next one: one multi-row INSERT (one
 * transaction, one WAL flush) per batch, and a lone message leaves at once. The message row
 * has the same columns as ours; what it leaves out is the rest of what ours does per
 * message: no seq, no idempotency, no conversation bookkeeping (last message, unread
 * counts), no full-text index, no outbox, no access or limit checks beyond room membership.
 */
import pg from 'pg';
import { baselineTables, conversationsIn, serveBaseline, toBaselineMessage, type BaselineMessage, type Storage } from './common.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(baselineTables('minimal', { search: false }));

type Pending = { m: Parameters<Storage['store']>[0]; resolve: (stored: BaselineMessage) => void; reject: (error: unknown) => void };
const COLUMNS = 7;
const waiting: Pending[] = [];
let writing = false;

/** Writes everything that waits in one statement, then whatever arrived meanwhile. */
async function flush(): Promise<void> {
  writing = true;
  while (waiting.length > 0) {
    const batch = waiting.splice(0, 1000);
    const values = batch.map((_, i) => `(${Array.from({ length: COLUMNS }, (_, c) => `$${i * COLUMNS + c + 1}`).join(', ')})`).join(', ');
    const params = batch.flatMap(({ m }) => [m.conversationId, m.senderType, m.senderId, m.guestId, m.message, m.messageType, m.clientMessageId]);
    try {
      // `with ordinality` would cost a sort; rows come back in VALUES order from a plain INSERT.
      const { rows } = await pool.query(
        `insert into minimal_messages (conversation_id, sender_type, sender_id, guest_id, message, message_type, client_message_id)
         values ${values} returning *`,
        params,
      );
      batch.forEach((p, i) => p.resolve(toBaselineMessage(rows[i])));
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
  writing = false;
}

await serveBaseline({
  ...conversationsIn(pool, 'minimal'),
  store(m) {
    return new Promise((resolve, reject) => {
      waiting.push({ m, resolve, reject });
      if (!writing) void flush();
    });
  },
});
