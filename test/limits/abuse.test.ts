import { afterEach, describe, expect, it } from 'vitest';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function guestConversation(s: TestServer) {
  const { guestId, conversation } = (await request(s, '/api/support/conversation/guest', { body: {} })).body.data;
  return { guestId: guestId as string, conversationId: conversation.id as string };
}

describe('abuse limits', () => {
  it('stores at most the per-socket budget of a 1,000-message flood, while another client still gets through', async () => {
    server = await startTestServer({ LIMIT_MESSAGES_PER_CONNECTION: '30/60', LIMIT_MESSAGES_PER_IDENTITY: '1000/60' });
    const flooder = await guestConversation(server);
    const { socket } = await server.connect({ guestId: flooder.guestId });
    const errors: { code: string; event: string }[] = [];
    socket.on('message:error', (e) => errors.push(e));
    const acks = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => socket.emitWithAck('message:send', { conversationId: flooder.conversationId, message: `spam ${i}` })),
    );
    const accepted = acks.filter((a) => a.success);
    expect(accepted).toHaveLength(30);
    const refused = acks.filter((a) => !a.success);
    expect(refused.every((a) => a.message === 'Too many requests, try again later')).toBe(true);
    expect(errors.length).toBe(970);
    expect(errors.every((e) => e.code === 'RATE_LIMITED' && e.event === 'message:send')).toBe(true);
    const stored = await server.db.selectFrom('messages').select('id').where('conversation_id', '=', flooder.conversationId).execute();
    expect(stored).toHaveLength(30);

    // Someone else, at the same moment, is unaffected.
    const other = await guestConversation(server);
    const { socket: calm } = await server.connect({ guestId: other.guestId });
    const ack = await calm.emitWithAck('message:send', { conversationId: other.conversationId, message: 'hello?' });
    expect(ack.success).toBe(true);
    expect(socket.connected).toBe(true);
  });

  it('shares the per-identity budget across that identity\'s sockets', async () => {
    server = await startTestServer({ LIMIT_MESSAGES_PER_CONNECTION: '1000/60', LIMIT_MESSAGES_PER_IDENTITY: '10/60' });
    const guest = await guestConversation(server);
    const a = (await server.connect({ guestId: guest.guestId })).socket;
    const b = (await server.connect({ guestId: guest.guestId })).socket;
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).emitWithAck('message:send', { conversationId: guest.conversationId, message: `m${i}` })),
    );
    expect(acks.filter((x) => x.success)).toHaveLength(10);
  });

  it('limits typing events per socket', async () => {
    server = await startTestServer({ LIMIT_TYPING_PER_CONNECTION: '5/60' });
    const guest = await guestConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    const acks = await Promise.all(Array.from({ length: 12 }, () => socket.emitWithAck('typing:start', { conversationId: guest.conversationId })));
    expect(acks.filter((x) => x.success)).toHaveLength(5);
  });

  it('answers REST callers past the guest-creation budget with 429 and Retry-After', async () => {
    server = await startTestServer({ LIMIT_GUESTS_PER_ADDRESS: '3/3600' });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await request(server, '/api/support/conversation/guest', { body: {} });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.body).toEqual({ success: false, message: 'Too many requests, try again later' });
    // A socket that would need a fresh guest id is refused at the handshake too.
    await expect(server.connect()).rejects.toThrow(/Too many requests/);
  });

  it('limits REST requests per address', async () => {
    server = await startTestServer({ LIMIT_REQUESTS_PER_ADDRESS: '5/60' });
    const user = await person('user');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await request(server, '/api/support/conversation', { token: user.token })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    // Probes stay free, so an orchestrator never restarts a busy replica.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('limits new connections per identity', async () => {
    server = await startTestServer({ LIMIT_CONNECTIONS_PER_IDENTITY: '2/60' });
    const user = await person('user');
    await server.connect({ token: user.token });
    await server.connect({ token: user.token });
    await expect(server.connect({ token: user.token })).rejects.toThrow(/Too many requests/);
  });

  it('disconnects a socket when its token expires, saying why', async () => {
    server = await startTestServer();
    const user = await person('user');
    const { mintToken } = await import('../support/server.js');
    // exp two seconds out: accepted now, cut off shortly after.
    const token = await mintToken({ sub: user.id, expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const { socket } = await server.connect({ token });
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const error = await nextEvent(socket, 'message:error', 5_000);
    expect(error).toEqual({ error: 'Token expired', event: 'connection', code: 'TOKEN_EXPIRED' });
    expect(await disconnected).toBe('io server disconnect');
    expect(socket.connected).toBe(false);
  });
});
