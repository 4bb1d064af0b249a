import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, guestSession } from '../realtime/helpers.js';
import { mintToken, request, startTestServer, type TestServer } from '../support/server.js';

/**
 * What the fuzzers found, pinned down. PostgreSQL cannot store U+0000 in text or JSON;
 * the schemas let it through, so each of these used to be a 500 (on PGlite and PostgreSQL).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const NUL_REFUSED = { success: false, message: 'Text cannot contain NUL (\\u0000) characters' };

describe('a NUL character in client text', () => {
  it('is a 400 in a message, a subject, device info, a guest id and a token claim, never a 500', async () => {
    const guest = await guestSession(server);
    expect(await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'a\u0000b' })).toEqual(NUL_REFUSED);
    // The rest of a group-committed batch is stored regardless.
    const [bad, good] = await Promise.all([
      call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'x\u0000' }),
      call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'fine' }),
    ]);
    expect(bad).toEqual(NUL_REFUSED);
    expect(good).toMatchObject({ success: true, data: { message: 'fine', seq: 1 } });

    const subject = await request(server, '/api/support/conversation/guest', { body: { subject: 'a\u0000b' } });
    expect([subject.status, subject.body]).toEqual([400, NUL_REFUSED]);

    const admin = await mintToken({ role: 'admin' });
    const device = await request(server, '/api/support/onboarding/generate-code', {
      token: admin,
      body: { conversationId: guest.conversationId, deviceInfo: '{"name":"\\u0000"}' },
    });
    expect(device.status).toBe(400);
    const verify = await request(server, '/api/support/onboarding/verify-code', { body: { code: '123456', guestId: 'g\u0000' } });
    expect(verify.status).toBe(400);

    const token = await mintToken({ claims: { lastName: 'nul\u0000byte' } });
    expect((await request(server, '/api/support/conversation', { token })).status).toBe(400);

    expect(server.logs.filter((line) => line.includes('"unexpected error"'))).toEqual([]);
  });

  it('is a 400 on tRPC too, in a stream as well, without the database\'s own words', async () => {
    const token = await mintToken({ claims: { lastName: 'nul\u0000byte' } });
    const reply = await request(server, '/trpc/conversations.getOrCreate', { token, body: {} });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ message: NUL_REFUSED.message, data: { code: 'BAD_REQUEST', httpStatus: 400 } });
    const input = encodeURIComponent(JSON.stringify({ conversationId: '00000000-0000-4000-8000-000000000000' }));
    const stream = await fetch(`${server.url}/trpc/live.conversation?input=${input}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await stream.text();
    expect(text).toContain('serialized-error');
    expect(text).not.toContain('INTERNAL_SERVER_ERROR');
    expect(text).not.toContain('invalid byte sequence');
  });
});

describe('acknowledgements', () => {
  it('come back even when a client sends extra arguments before its callback', async () => {
    const guest = await guestSession(server);
    const ack = await new Promise((resolve) => guest.socket.emit('conversation:join', { conversationId: guest.conversationId }, 'extra', 42, resolve));
    expect(ack).toMatchObject({ success: true, data: { conversationId: guest.conversationId } });
  });
});

describe('the transport', () => {
  it('answers a URL over Node\'s header limit with the envelope, not a bare status line', async () => {
    const reply = await request(server, `/api/support/conversation/${'x'.repeat(20_000)}`);
    expect(reply.status).toBe(431);
    expect(reply.body).toEqual({ success: false, message: 'Request headers are too large' });
  });
});
