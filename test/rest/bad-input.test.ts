import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type Reply, type TestServer } from '../support/server.js';
import { call, expectFailure, expectFieldError, guestWithConversation, userWithConversation, type Who } from './helpers.js';

let server: TestServer;
let user: Awaited<ReturnType<typeof userWithConversation>>;
let other: Awaited<ReturnType<typeof userWithConversation>>;
let guest: Awaited<ReturnType<typeof guestWithConversation>>;
let admin: Awaited<ReturnType<typeof person>>;

beforeAll(async () => {
  server = await startTestServer();
  user = await userWithConversation(server);
  other = await userWithConversation(server);
  guest = await guestWithConversation(server);
  admin = await person('admin');
});
afterAll(() => server.close());

const ONE_MB = 'x'.repeat(1024 * 1024);
const POLLUTION = '{"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}';

/** What every refusal looks like: a 4xx (never a 5xx) in the spec's envelope. */
function expect4xx(reply: Reply, status?: number) {
  expect(reply.status, JSON.stringify(reply.body)).toBeGreaterThanOrEqual(400);
  expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(500);
  if (status !== undefined) expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toMatchObject({ success: false, message: expect.any(String) });
  expect(JSON.stringify(reply.body)).not.toMatch(/stack|node_modules|at \w+ \(/);
}

/** The server still answers normally, and a guest is still only a guest. */
async function expectHealthyAndGuestStillGuest() {
  const again = await request(server, '/api/support/conversation/guest', { guestId: guest.guestId, body: {} });
  expect(again.status).toBe(200);
  expect(again.body.data.conversation.id).toBe(guest.conversationId);
  expect(Object.keys(again.body.data).sort()).toEqual(['conversation', 'guestId']);

  const { socket, identity } = await server.connect({ guestId: guest.guestId });
  expect(identity).toEqual({ type: 'guest', guestId: guest.guestId });
  expect(await call(socket, 'conversation:join', { conversationId: user.conversationId })).toEqual({
    success: false,
    message: 'Conversation not found',
  });
  socket.disconnect();

  expect((await request(server, `/api/support/conversation/${user.conversationId}`, { guestId: guest.guestId })).status).toBe(404);
  expect((await request(server, '/api/support/onboarding/generate-code', { guestId: guest.guestId, body: { userId: user.id } })).status).toBe(403);
  expect((await request(server, '/api/support/conversation')).status).toBe(401);
  expect((await request(server, '/api/support/conversation', { token: user.token })).body.data.id).toBe(user.conversationId);
}

describe('invalid ids in paths', () => {
  const badIds = ['not-a-uuid', '123', `${randomUUID()}0`, randomUUID().slice(0, 35), "' OR 1=1 --", '%00', '%E0%A4%A', '..%2F..%2Fetc'];

  it.each(badIds)('GET /conversation/%s and its messages answer a 400 naming conversationId', async (id) => {
    const path = id.includes('%') ? id : encodeURIComponent(id);
    expectFieldError(await request(server, `/api/support/conversation/${path}`, { token: user.token }), 'conversationId');
    expectFieldError(await request(server, `/api/support/conversation/${path}/messages`, { token: user.token }), 'conversationId');
    expectFieldError(await request(server, `/api/support/conversation/${path}`, { guestId: guest.guestId }), 'conversationId');
  });

  it('answers a well-formed id nobody has with 404', async () => {
    for (const id of [randomUUID(), '00000000-0000-0000-0000-000000000000']) {
      const reply = await request(server, `/api/support/conversation/${id}/messages`, { token: user.token });
      expectFailure(reply, 404, 'Conversation not found');
    }
  });

  it('checks credentials before input: no credentials and a bad id is 401', async () => {
    expect4xx(await request(server, '/api/support/conversation/not-a-uuid'), 401);
  });
});

describe('wrong types and values', () => {
  const cases: [string, string, { method?: string; body?: unknown; rawBody?: string; as?: 'user' | 'admin' | 'none' }, string][] = [
    ['GET /conversation type=sales', '/api/support/conversation?type=sales', { as: 'user' }, 'type'],
    ['GET /conversation type=42', '/api/support/conversation?type=42', { as: 'user' }, 'type'],
    ['GET /conversation type given twice', '/api/support/conversation?type=general&type=onboarding', { as: 'user' }, 'type'],
    ['GET /conversation type empty', '/api/support/conversation?type=', { as: 'user' }, 'type'],
    ['messages limit twice', '/api/support/conversation/{id}/messages?limit=5&limit=6', { as: 'user' }, 'limit'],
    ['messages limit=Infinity', '/api/support/conversation/{id}/messages?limit=Infinity', { as: 'user' }, 'limit'],
    ['messages page huge', '/api/support/conversation/{id}/messages?page=99999999999', { as: 'user' }, 'page'],
    ['messages before huge', '/api/support/conversation/{id}/messages?before=99999999999', { as: 'user' }, 'before'],
    ['messages after=1.5', '/api/support/conversation/{id}/messages?after=1.5', { as: 'user' }, 'after'],
    ['messages bad percent escape', '/api/support/conversation/{id}/messages?limit=%ZZ', { as: 'user' }, 'limit'],
    ['guest type number', '/api/support/conversation/guest', { body: { type: 42 } }, 'type'],
    ['guest type null', '/api/support/conversation/guest', { body: { type: null } }, 'type'],
    ['guest type unknown', '/api/support/conversation/guest', { body: { type: 'sales' } }, 'type'],
    ['guest subject number', '/api/support/conversation/guest', { body: { subject: 123 } }, 'subject'],
    ['guest subject object', '/api/support/conversation/guest', { body: { subject: { a: 1 } } }, 'subject'],
    ['guest subject blank', '/api/support/conversation/guest', { body: { subject: '   ' } }, 'subject'],
    ['guest subject too long', '/api/support/conversation/guest', { body: { subject: 'x'.repeat(201) } }, 'subject'],
    ['guest body an array', '/api/support/conversation/guest', { body: [1, 2] }, 'body'],
    ['guest duplicate keys, last one bad', '/api/support/conversation/guest', { rawBody: '{"type":"general","type":"sales"}' }, 'type'],
    ['generate-code empty', '/api/support/onboarding/generate-code', { as: 'admin', body: {} }, 'userId'],
    ['generate-code userId not uuid', '/api/support/onboarding/generate-code', { as: 'admin', body: { userId: 'bob' } }, 'userId'],
    ['generate-code userId number', '/api/support/onboarding/generate-code', { as: 'admin', body: { userId: 7 } }, 'userId'],
    ['generate-code conversationId not uuid', '/api/support/onboarding/generate-code', { as: 'admin', body: { conversationId: 'x' } }, 'conversationId'],
    ['generate-code both owners', '/api/support/onboarding/generate-code', { as: 'admin', body: { userId: randomUUID(), guestId: 'g' } }, 'guestId'],
    ['generate-code unknown guest', '/api/support/onboarding/generate-code', { as: 'admin', body: { guestId: 'guest_1234567890123_abc' } }, 'guestId'],
    ['generate-code deviceInfo not JSON', '/api/support/onboarding/generate-code', { as: 'admin', body: { userId: randomUUID(), deviceInfo: '{nope' } }, 'deviceInfo'],
    ['generate-code deviceInfo number', '/api/support/onboarding/generate-code', { as: 'admin', body: { userId: randomUUID(), deviceInfo: 5 } }, 'deviceInfo'],
    ['generate-code body an array', '/api/support/onboarding/generate-code', { as: 'admin', body: [] }, 'body'],
    ['verify-code empty', '/api/support/onboarding/verify-code', { body: {} }, 'code'],
    ['verify-code number', '/api/support/onboarding/verify-code', { body: { code: 123456 } }, 'code'],
    ['verify-code five digits', '/api/support/onboarding/verify-code', { body: { code: '12345' } }, 'code'],
    ['verify-code letters', '/api/support/onboarding/verify-code', { body: { code: 'abcdef' } }, 'code'],
    ['verify-code userId not uuid', '/api/support/onboarding/verify-code', { body: { code: '123456', userId: 'bob' } }, 'userId'],
    ['verify-code guestId object', '/api/support/onboarding/verify-code', { body: { code: '123456', guestId: { a: 1 } } }, 'guestId'],
  ];

  it.each(cases)('%s: 400 naming the field', async (_name, path, init, field) => {
    const who: Who = init.as === 'user' ? { token: user.token } : init.as === 'admin' ? { token: admin.token } : {};
    const reply = await request(server, path.replace('{id}', user.conversationId), {
      ...who,
      ...(init.method && { method: init.method }),
      ...(init.body !== undefined && { body: init.body }),
      ...(init.rawBody !== undefined && { rawBody: init.rawBody }),
    });
    expectFieldError(reply, field);
    expect(reply.body.message).toEqual(expect.any(String));
  });

  it('posted nothing into anyone’s conversation from any of the refused calls', async () => {
    const details = await request(server, `/api/support/conversation/${user.conversationId}`, { token: user.token });
    expect(details.body.data.messages).toEqual([]);
  });
});

describe('malformed and oversized bodies', () => {
  const posts: [string, Who | (() => Who)][] = [
    ['/api/support/conversation/guest', {}],
    ['/api/support/onboarding/generate-code', () => ({ token: admin.token })],
    ['/api/support/onboarding/verify-code', {}],
  ];
  const whoOf = (who: Who | (() => Who)) => (typeof who === 'function' ? who() : who);

  it.each(posts)('POST %s: malformed JSON is a 400', async (path, who) => {
    for (const rawBody of ['{"type": ', '{type: "general"}', "{'a': 1}", '{"a": 1,}', 'nul', '{"a": "\\x"}', '\u0000']) {
      const reply = await request(server, path, { ...whoOf(who), rawBody });
      expect4xx(reply, 400);
    }
  });

  it.each(posts)('POST %s: a JSON body that is not an object is a 400', async (path, who) => {
    for (const rawBody of ['null', '"text"', '42', 'true', '[]']) {
      const reply = await request(server, path, { ...whoOf(who), rawBody });
      expect4xx(reply, 400);
    }
  });

  it.each(posts)('POST %s: a 1 MB body is a 413', async (path, who) => {
    const reply = await request(server, path, { ...whoOf(who), body: { subject: ONE_MB, code: ONE_MB, deviceInfo: ONE_MB } });
    expect4xx(reply, 413);
  });

  it('answers a body just over 100 KB with 413 and one under it normally', async () => {
    const over = await request(server, '/api/support/conversation/guest', { body: { pad: 'x'.repeat(101 * 1024) } });
    expect4xx(over, 413);
    const under = await request(server, '/api/support/conversation/guest', { body: { pad: 'x'.repeat(50 * 1024) } });
    expect(under.status).toBe(200);
  });

  it('answers deeply nested JSON with a 4xx', async () => {
    const arrays = await request(server, '/api/support/conversation/guest', { rawBody: '['.repeat(5000) + ']'.repeat(5000) });
    expect4xx(arrays, 400);
    const objects = await request(server, '/api/support/conversation/guest', {
      rawBody: `{"subject":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
    });
    expect4xx(objects, 400);
  });

  it('refuses a 1 MB body on tRPC too (413), instead of buffering it', async () => {
    const reply = await request(server, '/trpc/conversations.getOrCreate', { token: user.token, body: { type: 'general', pad: ONE_MB } });
    expect(reply.status).toBe(413);
  });

  it('still serves everyone normally afterwards', async () => {
    await expectHealthyAndGuestStillGuest();
  });
});

describe('prototype-pollution keys', () => {
  it.each([
    ['POST /conversation/guest', '/api/support/conversation/guest', () => ({})],
    ['POST /conversation/guest as a guest', '/api/support/conversation/guest', () => ({ guestId: guest.guestId })],
    ['POST /onboarding/verify-code', '/api/support/onboarding/verify-code', () => ({})],
    ['POST /onboarding/generate-code as a guest', '/api/support/onboarding/generate-code', () => ({ guestId: guest.guestId })],
    ['POST /onboarding/generate-code as a user', '/api/support/onboarding/generate-code', () => ({ token: user.token })],
  ])('%s: never a 5xx, never an elevation', async (_name, path, who) => {
    const reply = await request(server, path, { ...who(), rawBody: POLLUTION });
    expect(reply.status).toBeLessThan(500);
    expect(JSON.stringify(reply.body)).not.toMatch(/"admin":true|"x":1/);
    if (reply.status >= 400) expect(reply.body).toMatchObject({ success: false, message: expect.any(String) });
    if (path.includes('generate-code')) expect(reply.status).not.toBe(201);
    if (path.includes('verify-code') && reply.status === 200) expect(reply.body).toEqual({ success: false, message: 'Invalid or expired code' });
  });

  it('pollution inside a nested value (guestId, deviceInfo) is refused or ignored, never a 5xx', async () => {
    const nested = await request(server, '/api/support/conversation/guest', { rawBody: '{"guestId": {"__proto__": {"admin": true}}}' });
    expect(nested.status).toBeLessThan(500);
    if (nested.status === 200) expect(nested.body.data.guestId).toMatch(/^guest_\d{13}_/);

    const device = await request(server, '/api/support/onboarding/generate-code', {
      token: admin.token,
      rawBody: `{"userId": "${other.id}", "deviceInfo": {"__proto__": {"admin": true}, "constructor": {"prototype": {"x": 1}}}}`,
    });
    expect(device.status).toBeLessThan(500);
  });

  it('pollution keys in the query string are ignored', async () => {
    const reply = await request(server, '/api/support/conversation?__proto__[admin]=true&constructor[prototype][x]=1&__proto__=1', {
      token: user.token,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.data.id).toBe(user.conversationId);
    const messages = await request(server, `/api/support/conversation/${user.conversationId}/messages?__proto__[limit]=1&constructor=x`, {
      token: user.token,
    });
    expect(messages.status).toBe(200);
    expect(messages.body.data.pagination.limit).toBe(50);
  });

  it('pollution keys over tRPC are never a 5xx and change nothing', async () => {
    const reply = await request(server, '/trpc/conversations.getOrCreate', { guestId: guest.guestId, rawBody: POLLUTION });
    expect(reply.status).toBeLessThan(500);
    expect(JSON.stringify(reply.body)).not.toMatch(/"admin":true/);
  });

  it('afterwards the server still treats a guest as a guest', async () => {
    await expectHealthyAndGuestStillGuest();
  });
});

describe('unknown paths and wrong methods under /api/support', () => {
  it.each([
    '/api/support',
    '/api/support/',
    '/api/support/nope',
    '/api/support/conversations',
    '/api/support/onboarding',
    '/api/support/conversation/guest/extra',
    '/api/support/conversation/{id}/messages/extra',
    '/api/support/conversation/{id}/message',
  ])('GET %s is a 404 envelope', async (path) => {
    const reply = await request(server, path.replace('{id}', user.conversationId), { token: user.token });
    expect4xx(reply, 404);
    expect(reply.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('answers an unknown path without credentials with a 404 envelope too', async () => {
    expect4xx(await request(server, '/api/support/does-not-exist'), 404);
  });

  it.each([
    ['DELETE', '/api/support/conversation', 'GET'],
    ['POST', '/api/support/conversation', 'GET'],
    ['PUT', '/api/support/conversation/guest', 'POST'],
    ['DELETE', '/api/support/conversation/guest', 'POST'],
    ['PATCH', '/api/support/conversation/{id}', 'GET'],
    ['DELETE', '/api/support/conversation/{id}', 'GET'],
    ['POST', '/api/support/conversation/{id}/messages', 'GET'],
    ['GET', '/api/support/onboarding/verify-code', 'POST'],
    ['DELETE', '/api/support/onboarding/generate-code', 'POST'],
  ])('%s %s is a 405 envelope with Allow', async (method, path, allow) => {
    const reply = await request(server, path.replace('{id}', user.conversationId), {
      method,
      token: user.token,
      ...(method !== 'GET' && { body: {} }),
    });
    expect4xx(reply, 405);
    expect(reply.headers.get('allow')).toContain(allow);
  });
});

describe('credentials that are malformed rather than wrong', () => {
  it.each([
    ['a 5,000-character X-Guest-Id', () => 'g'.repeat(5000)],
    ['an X-Guest-Id with the right prefix and nonsense', () => 'guest_0000000000000_zz'],
    ['a real guest id in upper case', () => guest.guestId.toUpperCase()],
    ['a real guest id with a character changed', () => guest.guestId.slice(0, -1) + (guest.guestId.endsWith('f') ? 'e' : 'f')],
  ])('%s on the messages and details endpoints is a 401', async (_name, guestId) => {
    for (const path of [`/api/support/conversation/${guest.conversationId}/messages`, `/api/support/conversation/${guest.conversationId}`]) {
      const reply = await request(server, path, { headers: { 'x-guest-id': guestId() } });
      expect4xx(reply, 401);
    }
  });

  it('a guestId of the wrong type in the body is a 400 naming it (test/rest/wrong-types.test.ts has every field)', async () => {
    for (const guestId of [42, ['a'], { id: 'x' }, true]) {
      expectFieldError(await request(server, '/api/support/conversation/guest', { body: { guestId } }), 'guestId');
    }
  });

  it('after all of it the server is healthy and guests are guests', async () => {
    expect((await request(server, '/healthz')).status).toBe(200);
    await expectHealthyAndGuestStillGuest();
  });
});
