/**
 * What the two baseline servers share: the documented protocol, reduced to what the
 * benchmark drives (POST /api/support/conversation/guest, socket conversation:join,
 * message:send with an acknowledgement, message:received to the room and
 * conversation:new_message to admins), with the same Socket.IO options as ours. Only the
 * storage differs: none (relay), one INSERT per message (naive) or per batch (minimal).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import { Server } from 'socket.io';

export interface BaselineMessage {
  id: string;
  conversationId: string;
  senderId: string | null;
  senderType: 'guest' | 'admin';
  guestId: string | null;
  message: string;
  messageType: 'text';
  isRead: boolean;
  clientMessageId: string | null;
  createdAt: string;
}

export interface Storage {
  createConversation(guestId: string): Promise<string>;
  mayJoin(principal: Principal, conversationId: string): Promise<boolean>;
  store(m: Omit<BaselineMessage, 'id' | 'createdAt' | 'isRead'>): Promise<BaselineMessage>;
}

type Principal = { type: 'guest' | 'admin'; id: string };

/**
 * A baseline's own conversations and messages tables (`<prefix>_…`): the message row has the
 * same columns as ours; `search` adds the same full-text index.
 */
export const baselineTables = (prefix: string, options: { search: boolean }) => `
  create table if not exists ${prefix}_conversations (
    id uuid primary key default gen_random_uuid(),
    guest_id text not null,
    created_at timestamptz not null default now());
  create table if not exists ${prefix}_messages (
    id uuid primary key default gen_random_uuid(),
    conversation_id uuid not null references ${prefix}_conversations (id),
    sender_type text not null,
    sender_id uuid,
    guest_id text,
    message text not null,
    message_type text not null,
    is_read boolean not null default false,
    client_message_id uuid,
    created_at timestamptz not null default now());
  create index if not exists ${prefix}_messages_conversation on ${prefix}_messages (conversation_id, created_at);
  ${options.search ? `create index if not exists ${prefix}_messages_body_search on ${prefix}_messages using gin (to_tsvector('simple', message)) with (fastupdate = off);` : ''}
`;

/** Conversations in a baseline's own table: created for a guest, joined by that guest or any admin. */
export function conversationsIn(pool: { query: (text: string, values: unknown[]) => Promise<{ rows: any[] }> }, prefix: string): Pick<Storage, 'createConversation' | 'mayJoin'> {
  return {
    async createConversation(guestId) {
      const { rows } = await pool.query(`insert into ${prefix}_conversations (guest_id) values ($1) returning id`, [guestId]);
      return rows[0]!.id as string;
    },
    async mayJoin(principal, conversationId) {
      if (principal.type === 'admin') return true;
      const { rows } = await pool.query(`select guest_id from ${prefix}_conversations where id = $1`, [conversationId]);
      return rows[0]?.guest_id === principal.id;
    },
  };
}

/** A stored row as the protocol's message. */
export function toBaselineMessage(r: Record<string, any>): BaselineMessage {
  return {
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
}
type Ack = (reply: unknown) => void;

const newGuestId = () => `guest_${Date.now()}_${randomBytes(26).toString('hex')}`;

export async function serveBaseline(storage: Storage): Promise<void> {
  const port = Number(process.env.PORT ?? 0);
  const secret = new TextEncoder().encode(process.env.JWT_SECRET ?? '');

  const httpServer = createServer((req, res) => void onRequest(req, res));
  async function onRequest(req: IncomingMessage, res: ServerResponse) {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'GET' && req.url === '/healthz') return reply(200, { status: 'ok' });
      if (req.method === 'POST' && req.url === '/api/support/conversation/guest') {
        for await (const _ of req); // the body ({type?, subject?}) changes nothing here
        const guestId = newGuestId();
        const id = await storage.createConversation(guestId);
        return reply(201, { success: true, data: { conversation: { id, guestId, status: 'open' }, guestId } });
      }
      reply(404, { success: false, message: 'Not found' });
    } catch (error) {
      reply(500, { success: false, message: String(error) });
    }
  }

  const io = new Server(httpServer, { cors: { origin: true }, maxHttpBufferSize: 64 * 1024, serveClient: false });
  const nsp = io.of('/support');
  nsp.use(async (socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; guestId?: unknown };
    try {
      if (typeof auth.token === 'string') {
        const { payload } = await jwtVerify(auth.token, secret, { algorithms: ['HS256'] });
        socket.data.principal = { type: payload.role === 'admin' ? 'admin' : 'guest', id: String(payload.sub) };
      } else {
        socket.data.principal = { type: 'guest', id: typeof auth.guestId === 'string' ? auth.guestId : newGuestId() };
      }
      next();
    } catch {
      next(new Error('Invalid token'));
    }
  });
  nsp.on('connection', (socket) => {
    const principal = socket.data.principal as Principal;
    if (principal.type === 'admin') socket.join('admins');
    socket.emit('connection:success', principal.type === 'admin' ? { type: 'admin', adminId: principal.id } : { type: 'guest', guestId: principal.id });

    socket.on('conversation:join', async (payload: { conversationId?: unknown }, ack?: Ack) => {
      const conversationId = String(payload?.conversationId);
      if (!(await storage.mayJoin(principal, conversationId))) return ack?.({ success: false, message: 'Conversation not found' });
      socket.join(`conversation:${conversationId}`);
      ack?.({ success: true, data: { conversationId } });
      socket.emit('conversation:joined', { conversationId });
    });

    socket.on('message:send', async (payload: { conversationId?: unknown; message?: unknown; clientMessageId?: unknown }, ack?: Ack) => {
      const conversationId = String(payload?.conversationId);
      const room = `conversation:${conversationId}`;
      if (typeof payload?.message !== 'string' || (principal.type !== 'admin' && !socket.rooms.has(room))) {
        return ack?.({ success: false, message: 'Invalid message' });
      }
      try {
        const message = await storage.store({
          conversationId,
          senderId: principal.type === 'admin' ? principal.id : null,
          senderType: principal.type,
          guestId: principal.type === 'guest' ? principal.id : null,
          message: payload.message.trim(),
          messageType: 'text',
          clientMessageId: typeof payload.clientMessageId === 'string' ? payload.clientMessageId : null,
        });
        ack?.({ success: true, data: message });
        nsp.to(room).emit('message:received', message);
        nsp.to('admins').emit('conversation:new_message', { conversationId, message });
      } catch (error) {
        ack?.({ success: false, message: String(error) });
      }
    });
  });

  // The same backlog as ours (src/main.ts), so a reconnect storm compares the servers' work,
  // not a listen option: at Node's default (511) the relay dropped connections too.
  await new Promise<void>((resolve) => httpServer.listen({ port, host: '127.0.0.1', backlog: 4096 }, resolve));
  const stop = () => {
    io.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
