import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connectSocket } from 'socket.io-client';
import { eventArrives, mintToken, person, request, startTestServer, type TestServer } from '../support/server.js';
import { call, GUEST_ID, guestSession } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A guest id's `<unix ms>` part. */
const mintedAt = (guestId: string) => Number(/^guest_(\d{13})_/.exec(guestId)?.[1]);

/**
 * Connects without the harness so both outcomes are observed: the handshake must end in
 * connect_error, and connection:success must never arrive (no silent guest session).
 */
async function refused(auth: Record<string, unknown>) {
  const socket = connectSocket(`${server.url}/support`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  const success = eventArrives(socket, 'connection:success', 200);
  try {
    const error = await new Promise<Error & { data?: any }>((resolve, reject) => {
      socket.once('connect_error', resolve);
      socket.once('connection:success', (identity) => reject(new Error(`connected as ${JSON.stringify(identity)}`)));
    });
    expect(await success).toBe(false);
    expect(socket.connected).toBe(false);
    return error;
  } finally {
    socket.disconnect();
  }
}

describe('connection:success', () => {
  it('tells a user {type: "user", userId} and nothing else', async () => {
    const user = await person('user');
    const { socket, identity } = await server.connect({ token: user.token });
    expect(identity).toEqual({ type: 'user', userId: user.id });
    expect(socket.connected).toBe(true);
  });

  it('tells an admin {type: "admin", adminId} and nothing else', async () => {
    const admin = await person('admin');
    const { identity } = await server.connect({ token: admin.token });
    expect(identity).toEqual({ type: 'admin', adminId: admin.id });
  });

  it('also recognises an admin by a `roles` claim', async () => {
    const id = randomUUID();
    const token = await mintToken({ role: 'user', sub: id, claims: { roles: ['support', 'admin'] } });
    const { identity } = await server.connect({ token });
    expect(identity).toEqual({ type: 'admin', adminId: id });
  });

  it('gives a guest without an id a fresh id of the documented shape, different every time', async () => {
    const before = Date.now();
    const first = await server.connect();
    const second = await server.connect({});
    const after = Date.now();
    for (const { identity } of [first, second]) {
      expect(Object.keys(identity).sort()).toEqual(['guestId', 'type']);
      expect(identity.type).toBe('guest');
      expect(identity.guestId).toMatch(GUEST_ID);
      // The 13 digits are the unix milliseconds at which it was issued.
      expect(mintedAt(identity.guestId!)).toBeGreaterThanOrEqual(before - 1_000);
      expect(mintedAt(identity.guestId!)).toBeLessThanOrEqual(after + 1_000);
    }
    expect(first.identity.guestId).not.toBe(second.identity.guestId);
  });

  it('accepts an id minted on the socket for later REST calls and reconnections', async () => {
    const { identity } = await server.connect();
    const guestId = identity.guestId!;
    const rest = await request(server, '/api/support/conversation/guest', { guestId, body: {} });
    expect(rest.status).toBe(200);
    expect(rest.body.data.guestId).toBe(guestId);
    expect(rest.body.data.conversation.guestId).toBe(guestId);
    const again = await server.connect({ guestId });
    expect(again.identity).toEqual({ type: 'guest', guestId });
  });

  it('gives a guest with a server-issued id the same id back', async () => {
    const { guestId, conversationId, socket } = await guestSession(server);
    // guestSession already checked connection:success equals {type: "guest", guestId}.
    const ack = await call(socket, 'conversation:join', { conversationId });
    expect(ack.success).toBe(true);
  });

  it('never accepts a guest id this server did not issue: a fresh, different id instead', async () => {
    const { guestId: real, conversationId } = await guestSession(server);
    const lastChar = real.at(-1)!;
    const tampered = real.slice(0, -1) + (lastChar === '0' ? '1' : '0');
    const tamperedTimestamp = real.replace(/^guest_(\d)/, (_, d: string) => `guest_${d === '1' ? '2' : '1'}`);
    for (const forged of ['guest_1234567890_abc123', 'test_guest_123', tampered, tamperedTimestamp, `${real}0`, real.toUpperCase()]) {
      const { socket, identity } = await server.connect({ guestId: forged });
      expect(identity.type, forged).toBe('guest');
      expect(identity.guestId, forged).toMatch(GUEST_ID);
      expect(identity.guestId, forged).not.toBe(forged);
      expect(identity.guestId, forged).not.toBe(real);
      // And the forged identity cannot reach the real guest's conversation.
      const ack = await call(socket, 'conversation:join', { conversationId });
      expect(ack, forged).toEqual({ success: false, message: 'Conversation not found' });
      socket.disconnect();
    }
  });
});

describe('refused handshakes', () => {
  it('refuses a token signed with the wrong secret with connect_error, never as a guest', async () => {
    const token = await mintToken({ role: 'user', secret: 'some-other-secret-that-is-long-enough!!' });
    const error = await refused({ token });
    expect(error.message).toBe('Invalid or expired token');
    expect(error.data).toEqual({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('refuses a garbage token, an empty token and an expired token', async () => {
    const expired = await mintToken({ role: 'admin', expiresIn: Math.floor(Date.now() / 1000) - 3_600 });
    for (const token of ['garbage', 'not.a.jwt', '', expired]) {
      const error = await refused({ token });
      expect(error.data?.code, token).toBe('UNAUTHORIZED');
    }
  });

  it('refuses a bad token even when a valid guest id comes with it', async () => {
    const { guestId } = await guestSession(server);
    const error = await refused({ token: 'garbage', guestId });
    expect(error.data?.code).toBe('UNAUTHORIZED');
  });

  it('refuses a token that is present but not a string', async () => {
    // CONTRACT §2: a present but invalid token is refused, never silently downgraded to a guest;
    // of the wrong type, it is a validation failure naming it (issue 18).
    for (const token of [12345, { sub: 'x' }, ['a.b.c']]) {
      const error = await refused({ token });
      expect(error.data?.code, JSON.stringify(token)).toBe('BAD_REQUEST');
      expect(error.data?.errors, JSON.stringify(token)).toEqual([{ field: 'token', message: 'token must be a string' }]);
    }
  });

  it('keeps serving good connections after refusing bad ones', async () => {
    await refused({ token: 'garbage' });
    const user = await person('user');
    const { identity } = await server.connect({ token: user.token });
    expect(identity).toEqual({ type: 'user', userId: user.id });
  });
});
