/**
 * The history baseline: a bare Koa handler for GET /api/support/conversation/:id/messages
 * running the same SQL as ours (the conversation row, then one seq range of messages from
 * the (conversation_id, seq) index) through a `pg` pool, with the same envelope. No
 * validation layer, no procedures, no metrics, no logging.
 */
import Router from '@koa/router';
import Koa from 'koa';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Koa();
const router = new Router();

router.get('/healthz', (ctx) => {
  ctx.body = { status: 'ok' };
});

router.get('/api/support/conversation/:id/messages', async (ctx) => {
  const limit = Math.min(100, Number(ctx.query.limit ?? 50) || 50);
  const { rows } = await pool.query(
    `select id, user_id, guest_id, admin_id, type, subject, status, priority, last_seq, last_message_at, customer_read_seq, agent_read_seq, created_at, updated_at from conversations where id = $1`,
    [ctx.params.id],
  );
  const conversation = rows[0];
  if (!conversation || conversation.guest_id !== ctx.get('x-guest-id')) {
    ctx.status = 404;
    ctx.body = { success: false, message: 'Conversation not found' };
    return;
  }
  const total: number = conversation.last_seq;
  const to = total;
  const from = Math.max(1, to - limit + 1);
  const messages =
    to >= from
      ? (
          await pool.query(
            `select id, conversation_id, seq, sender_type, sender_id, guest_id, message, message_type, is_read, client_message_id, created_at from messages
where conversation_id = $1 and seq >= $2 and seq <= $3 order by seq asc`,
            [conversation.id, from, to],
          )
        ).rows
      : [];
  ctx.body = {
    success: true,
    data: {
      messages: messages.map((m) => ({
        id: m.id,
        conversationId: m.conversation_id,
        seq: m.seq,
        senderId: m.sender_id,
        senderType: m.sender_type,
        guestId: m.guest_id,
        message: m.message,
        messageType: m.message_type,
        isRead: m.is_read,
        clientMessageId: m.client_message_id,
        createdAt: m.created_at.toISOString(),
      })),
      pagination: { total, page: 1, limit, totalPages: Math.ceil(total / limit), hasMore: from > 1 },
    },
  };
});

app.use(router.routes());
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const stop = () => {
  server.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
