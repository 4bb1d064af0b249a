import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { call, expectFieldError, guestWithConversation, trpcQuery, userWithConversation } from './helpers.js';

/**
 * Issue 18.2: a field of a known name with the wrong JSON type is a 400 naming it, on every
 * endpoint and event, never silently dropped (a guest id sent as a number used to mint a new
 * guest, who had lost their conversation). Unknown fields stay ignored.
 */
let server: TestServer;
let user: Awaited<ReturnType<typeof userWithConversation>>;
let guest: Awaited<ReturnType<typeof guestWithConversation>>;
let admin: Awaited<ReturnType<typeof person>>;
beforeAll(async () => {
  server = await startTestServer();
  user = await userWithConversation(server);
  guest = await guestWithConversation(server);
  admin = await person('admin');
});
afterAll(() => server.close());

const NOT_STRINGS = [12345, true, [], ['guest_1'], { id: 'x' }];
const NOT_WHOLE_NUMBERS = [true, [], [3], { n: 1 }, null, 'abc', '5', 2.5];

type Field = { field: string; wrong: unknown[] };
const strings = (...names: string[]): Field[] => names.map((field) => ({ field, wrong: NOT_STRINGS }));
const wholeNumbers = (...names: string[]): Field[] => names.map((field) => ({ field, wrong: NOT_WHOLE_NUMBERS }));

describe('JSON bodies', () => {
  const bodies: { path: string; as: 'admin' | 'none'; base: () => Record<string, unknown>; fields: Field[] }[] = [
    { path: '/api/support/conversation/guest', as: 'none', base: () => ({}), fields: strings('guestId', 'type', 'subject') },
    { path: '/api/support/onboarding/generate-code', as: 'admin', base: () => ({ userId: user.id }), fields: [...strings('userId', 'conversationId'), { field: 'deviceInfo', wrong: [5, true, []] }] },
    { path: '/api/support/onboarding/generate-code', as: 'admin', base: () => ({}), fields: strings('guestId') },
    { path: '/api/support/onboarding/verify-code', as: 'none', base: () => ({ code: '123456' }), fields: strings('code', 'userId', 'guestId') },
    { path: '/api/support/admin/conversations/{id}/assign', as: 'admin', base: () => ({}), fields: strings('adminId') },
    { path: '/api/support/admin/conversations/{id}/status', as: 'admin', base: () => ({ status: 'open' }), fields: strings('status') },
    { path: '/api/support/admin/conversations/{id}/priority', as: 'admin', base: () => ({ priority: 'high' }), fields: strings('priority') },
  ];
  const cases = bodies.flatMap(({ fields, ...body }) => fields.flatMap(({ field, wrong }) => wrong.map((value) => ({ ...body, field, value }))));

  it.each(cases)('POST $path with $field = $value: 400 naming $field', async ({ path, as, base, field, value }) => {
    const reply = await request(server, path.replace('{id}', user.conversationId), {
      ...(as === 'admin' && { token: admin.token }),
      body: { ...base(), [field]: value },
    });
    expectFieldError(reply, field);
  });

  it('mints nothing for a wrong-typed guestId, keeps the conversation of a right one, and ignores unknown fields', async () => {
    const guestsBefore = await server.db.selectFrom('guests').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expectFieldError(await request(server, '/api/support/conversation/guest', { body: { guestId: 12345 } }), 'guestId');
    const guestsAfter = await server.db.selectFrom('guests').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(guestsAfter.n).toBe(guestsBefore.n);

    const same = await request(server, '/api/support/conversation/guest', { body: { guestId: guest.guestId, color: 'blue', extra: [1] } });
    expect(same.status).toBe(200);
    expect(same.body.data).toMatchObject({ guestId: guest.guestId, conversation: { id: guest.conversationId } });

    // A well-formed id this server did not issue, or none at all (null, as localStorage answers), gets a fresh guest.
    for (const guestId of ['guest_1700000000000_0123456789abcdef0123456789abcdef', null]) {
      const fresh = await request(server, '/api/support/conversation/guest', { body: { guestId } });
      expect(fresh.status).toBe(200);
      expect(fresh.body.data.guestId).not.toBe(guestId);
      expect(fresh.body.data.guestId).toMatch(/^guest_\d{13}_/);
    }
  });
});

describe('numbers in query strings and tRPC inputs', () => {
  it.each(['abc', 'true', '5x', '1e3', '0x10'])('history ?after=%s: 400 naming after', async (value) => {
    expectFieldError(await request(server, `/api/support/conversation/${user.conversationId}/messages?after=${value}`, { token: user.token }), 'after');
  });

  const trpcCases = [
    ...['page', 'limit', 'before', 'after'].flatMap((field) => NOT_WHOLE_NUMBERS.map((value) => ({ procedure: 'messages.list', field, value }))),
    ...NOT_WHOLE_NUMBERS.map((value) => ({ procedure: 'inbox.list', field: 'limit', value })),
  ];
  it.each(trpcCases)('$procedure with $field = $value: 400 naming $field', async ({ procedure, field, value }) => {
    const input = procedure === 'messages.list' ? { conversationId: user.conversationId, [field]: value } : { [field]: value };
    const reply = await trpcQuery(server, procedure, input, { token: procedure === 'inbox.list' ? admin.token : user.token });
    expect(reply.status, JSON.stringify(reply.body)).toBe(400);
    expect(reply.body.error.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('reads digits in a query string as the number they spell; JSON inputs must be numbers', async () => {
    const rest = await request(server, `/api/support/conversation/${user.conversationId}/messages?limit=5&after=0`, { token: user.token });
    expect(rest.status).toBe(200);
    expect(rest.body.data.pagination.limit).toBe(5);
    const asText = await trpcQuery(server, 'messages.list', { conversationId: user.conversationId, limit: '5' }, { token: user.token });
    expect(asText.status).toBe(400);
    const asNumber = await trpcQuery(server, 'messages.list', { conversationId: user.conversationId, limit: 5 }, { token: user.token });
    expect(asNumber.body.result.data.pagination.limit).toBe(5);
    // Text fields stay text even when they look like numbers.
    const search = await request(server, '/api/support/admin/conversations?search=12345&limit=3', { token: admin.token });
    expect(search.status).toBe(200);
  });
});

describe('socket events', () => {
  const events: { event: string; base: () => Record<string, unknown>; fields: Field[] }[] = [
    { event: 'message:send', base: () => ({ conversationId: user.conversationId, message: 'hi' }), fields: strings('conversationId', 'message', 'messageType', 'clientMessageId') },
    { event: 'message:read', base: () => ({}), fields: strings('messageId') },
    { event: 'typing:start', base: () => ({}), fields: strings('conversationId') },
    { event: 'typing:stop', base: () => ({}), fields: strings('conversationId') },
    { event: 'conversation:join', base: () => ({}), fields: strings('conversationId') },
    { event: 'conversation:join', base: () => ({ conversationId: user.conversationId }), fields: wholeNumbers('afterSeq', 'limit') },
    { event: 'conversation:leave', base: () => ({}), fields: strings('conversationId') },
    { event: 'conversation:sync', base: () => ({ conversationId: user.conversationId }), fields: [...strings('conversationId'), ...wholeNumbers('afterSeq', 'limit')] },
  ];
  const cases = events.flatMap(({ fields, ...e }) => fields.flatMap(({ field, wrong }) => wrong.map((value) => ({ ...e, field, value }))));

  it.each(cases)('$event with $field = $value: a validation failure naming $field', async ({ event, base, field, value }) => {
    const { socket } = await server.connect({ token: user.token });
    const ack = await call(socket, event, { ...base(), [field]: value });
    expect(ack).toMatchObject({ success: false, message: 'Validation failed' });
    expect(ack.errors.map((e: { field: string }) => e.field)).toContain(field);
    socket.disconnect();
  });

  it('stored nothing from any refused send', async () => {
    const history = await request(server, `/api/support/conversation/${user.conversationId}/messages`, { token: user.token });
    expect(history.body.data.messages).toEqual([]);
  });

  it('refuses a handshake whose token or guestId has the wrong type, naming it; null is no credential', async () => {
    for (const [field, value] of [['guestId', 12345], ['guestId', { id: guest.guestId }], ['guestId', [guest.guestId]], ['token', 42], ['token', true]] as const) {
      const socket = io(`${server.url}/support`, { auth: { [field]: value }, transports: ['websocket'], reconnection: false, forceNew: true });
      const error = await new Promise<Error & { data?: any }>((resolve, reject) => {
        socket.once('connect_error', resolve);
        socket.once('connection:success', () => reject(new Error(`connected with ${field} = ${JSON.stringify(value)}`)));
      });
      socket.disconnect();
      expect(error.message).toBe('Validation failed');
      expect(error.data).toMatchObject({ code: 'BAD_REQUEST', status: 400, errors: [{ field, message: expect.any(String) }] });
    }
    const { identity } = await server.connect({ guestId: null, token: null });
    expect(identity).toMatchObject({ type: 'guest', guestId: expect.stringMatching(/^guest_\d{13}_/) });
    const { identity: same } = await server.connect({ guestId: guest.guestId, unknownField: randomUUID() });
    expect(same).toEqual({ type: 'guest', guestId: guest.guestId });
  });
});
