import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { canRun, REDIS_URL, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase, mintToken, nextEvent } from '../support/server.js';
import { openSubscription } from '../support/trpc-client.js';
import { waitFor } from '../webhooks/receiver.js';

/**
 * Two real server processes on different ports, sharing one PostgreSQL database and the
 * local Redis: they must behave as one server to every client.
 */
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: ServerProcess;
let b: ServerProcess;
// Budgets tight enough to see whether replicas share them.
const env = () => ({ DATABASE_URL: scratch.url, REDIS_URL, LIMIT_MESSAGES_PER_IDENTITY: '10/60' });

beforeAll(async () => {
  scratch = await createScratchDatabase(SHARED_PG_URL);
  // Started together: the migration advisory lock lets exactly one of them migrate.
  [a, b] = await Promise.all([startServerProcess(env()), startServerProcess(env())]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await scratch?.drop();
});

async function guestOn(server: ServerProcess) {
  const reply = await fetch(`${server.url}/api/support/conversation/guest`, { method: 'POST' });
  const { guestId, conversation } = ((await reply.json()) as any).data;
  const { socket } = await server.connect({ guestId });
  return { guestId: guestId as string, conversationId: conversation.id as string, socket };
}

const send = (socket: Socket, conversationId: string, message: string) =>
  socket.timeout(5_000).emitWithAck('message:send', { conversationId, message, clientMessageId: randomUUID() });

describe.runIf(canRun('replicas'))('two replicas behind one load balancer', () => {
  it('carries messages, typing and read receipts between a guest on A and an admin on B', async () => {
    const guest = await guestOn(a);
    const { socket: admin } = await b.connect({ token: await mintToken({ role: 'admin' }) });

    const noticed = nextEvent(admin, 'conversation:new_message');
    const sent = await send(guest.socket, guest.conversationId, 'Hello from replica A');
    expect(sent.success).toBe(true);
    expect((await noticed).message.id).toBe(sent.data.id);

    expect((await admin.timeout(5_000).emitWithAck('conversation:join', { conversationId: guest.conversationId })).success).toBe(true);
    const typing = nextEvent(guest.socket, 'typing:start');
    admin.emit('typing:start', { conversationId: guest.conversationId });
    expect(await typing).toMatchObject({ conversationId: guest.conversationId, senderType: 'admin' });

    const reply = nextEvent(guest.socket, 'message:received');
    const answered = await send(admin, guest.conversationId, 'Hi, replica B here');
    expect((await reply).id).toBe(answered.data.id);

    const receipt = nextEvent(guest.socket, 'message:read');
    expect((await admin.timeout(5_000).emitWithAck('message:read', { messageId: sent.data.id })).data.isRead).toBe(true);
    expect(await receipt).toEqual({ messageId: sent.data.id, conversationId: guest.conversationId });
  });

  it('delivers an auth code generated through B to the guest connected to A', async () => {
    const guest = await guestOn(a);
    const code = nextEvent(guest.socket, 'message:received');
    const generated = await fetch(`${b.url}/api/support/onboarding/generate-code`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await mintToken({ role: 'admin' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ guestId: guest.guestId }),
    });
    expect(generated.status).toBe(201);
    const received = await code;
    expect(received.messageType).toBe('auth_code');
    expect(received.message).toBe(((await generated.json()) as any).data.code);
  });

  it('ends an erased guest’s live.conversation stream on B when A erases them', async () => {
    const guest = await guestOn(a);
    const stream = await openSubscription(b.url, 'live.conversation', { conversationId: guest.conversationId }, { guestId: guest.guestId });
    try {
      await waitFor(() => stream.text().includes('"type":"conversation"'), 'the stream’s first event');
      const erased = await fetch(`${a.url}/api/support/admin/data-requests/erase`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await mintToken({ role: 'admin' })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ guestId: guest.guestId, confirm: true }),
      });
      expect(erased.status).toBe(200);
      let ended = false;
      void stream.ended.then(() => (ended = true));
      await waitFor(() => ended, 'the stream on B to end', 5_000);
      expect(stream.text()).toMatch(/event: return\n/);
    } finally {
      stream.close();
    }
  });

  it('shares rate limits: two replicas do not double an identity\'s budget', async () => {
    const guest = await guestOn(a);
    const { socket: onB } = await b.connect({ guestId: guest.guestId });
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(i % 2 ? onB : guest.socket, guest.conversationId, `m${i}`)),
    );
    expect(acks.filter((ack) => ack.success)).toHaveLength(10);
  });
});
