import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, person, request, startTestServer, type TestServer } from '../support/server.js';
import { MESSAGE_KEYS } from '../realtime/helpers.js';
import {
  call,
  expectFailure,
  expectFieldError,
  guestWithConversation,
  ISO,
  seedMessages,
  userWithConversation,
  UUID,
} from './helpers.js';

const TOTAL = 120;

let server: TestServer;
/** A user whose general conversation holds TOTAL messages, "msg 1" (seq 1) … "msg 120" (seq 120). */
let owner: Awaited<ReturnType<typeof userWithConversation>>;
let seeded: Record<string, any>[];

beforeAll(async () => {
  server = await startTestServer();
  owner = await userWithConversation(server, { email: 'owner@example.com', firstName: 'Olive', lastName: 'Owner' });
  const { socket } = await server.connect({ token: owner.token });
  seeded = await seedMessages(socket, owner.conversationId, TOTAL);
  socket.disconnect();
});
afterAll(() => server.close());

const messagesPath = (query = '') => `/api/support/conversation/${owner.conversationId}/messages${query ? `?${query}` : ''}`;

async function page(query: string) {
  const reply = await request(server, messagesPath(query), { token: owner.token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body.success).toBe(true);
  return reply.body.data as { messages: Record<string, any>[]; pagination: Record<string, any> };
}

const seqs = (messages: Record<string, any>[]) => messages.map((m) => m.seq as number);
const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** Ascending seq and non-decreasing createdAt, each message's text matching its seq. */
function expectAscending(messages: Record<string, any>[]) {
  for (let i = 1; i < messages.length; i++) {
    expect(messages[i]!.seq).toBe(messages[i - 1]!.seq + 1);
    expect(Date.parse(messages[i]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(messages[i - 1]!.createdAt));
  }
  for (const m of messages) expect(m.message).toBe(`msg ${m.seq}`);
}

describe('GET /api/support/conversation/:id/messages', () => {
  it('answers page 1 with the newest 50 messages in ascending order, field by field as the spec', async () => {
    const { messages, pagination } = await page('');
    expect(seqs(messages)).toEqual(range(71, 120));
    expectAscending(messages);
    expect(pagination).toEqual({ total: TOTAL, page: 1, limit: 50, totalPages: 3, hasMore: true });

    const newest = messages.at(-1)!;
    expect(Object.keys(newest).sort()).toEqual(MESSAGE_KEYS);
    expect(newest).toEqual({
      id: seeded[119]!.id,
      conversationId: owner.conversationId,
      seq: 120,
      senderId: owner.id,
      senderType: 'user',
      guestId: null,
      message: 'msg 120',
      messageType: 'text',
      isRead: false,
      clientMessageId: null,
      createdAt: seeded[119]!.createdAt,
    });
    expect(newest.id).toMatch(UUID);
    expect(newest.createdAt).toMatch(ISO);
  });

  it('walks back through older pages, each ascending, until hasMore is false', async () => {
    const second = await page('page=2');
    expect(seqs(second.messages)).toEqual(range(21, 70));
    expectAscending(second.messages);
    expect(second.pagination).toEqual({ total: TOTAL, page: 2, limit: 50, totalPages: 3, hasMore: true });

    const third = await page('page=3&limit=50');
    expect(seqs(third.messages)).toEqual(range(1, 20));
    expect(third.pagination).toEqual({ total: TOTAL, page: 3, limit: 50, totalPages: 3, hasMore: false });

    const beyond = await page('page=4');
    expect(beyond.messages).toEqual([]);
    expect(beyond.pagination).toMatchObject({ total: TOTAL, page: 4, hasMore: false });

    // Every message exactly once across the pages.
    const all = [...third.messages, ...second.messages, ...(await page('page=1')).messages];
    expect(seqs(all)).toEqual(range(1, TOTAL));
    expect(new Set(all.map((m) => m.id)).size).toBe(TOTAL);
  });

  it('honours a smaller limit', async () => {
    const ten = await page('limit=10&page=2');
    expect(seqs(ten.messages)).toEqual(range(101, 110));
    expect(ten.pagination).toEqual({ total: TOTAL, page: 2, limit: 10, totalPages: 12, hasMore: true });
    const one = await page('limit=1');
    expect(seqs(one.messages)).toEqual([120]);
    expect(one.pagination).toMatchObject({ limit: 1, totalPages: 120, hasMore: true });
  });

  it('clamps a limit over 100 to 100', async () => {
    for (const limit of ['500', '101', '100']) {
      const { messages, pagination } = await page(`limit=${limit}`);
      expect(seqs(messages)).toEqual(range(21, 120));
      expect(pagination).toEqual({ total: TOTAL, page: 1, limit: 100, totalPages: 2, hasMore: true });
    }
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['limit=2.5', 'limit'],
    ['page=0', 'page'],
    ['page=-3', 'page'],
    ['page=abc', 'page'],
    ['page=1.5', 'page'],
    ['before=abc', 'before'],
    ['before=-1', 'before'],
    ['after=xyz', 'after'],
    ['after=-5', 'after'],
  ])('refuses %s with a 400 naming the field', async (query, field) => {
    const reply = await request(server, messagesPath(query), { token: owner.token });
    expectFieldError(reply, field);
    expect(reply.body.message).toEqual(expect.any(String));
  });

  it('pages back with before=<seq>: the newest `limit` messages older than the cursor', async () => {
    const back = await page('before=71');
    expect(seqs(back.messages)).toEqual(range(21, 70));
    expectAscending(back.messages);
    expect(back.pagination).toMatchObject({ total: TOTAL, limit: 50, hasMore: true });

    const oldest = await page('before=21&limit=50');
    expect(seqs(oldest.messages)).toEqual(range(1, 20));
    expect(oldest.pagination.hasMore).toBe(false);

    const small = await page('before=60&limit=5');
    expect(seqs(small.messages)).toEqual(range(55, 59));
    expect(small.pagination.hasMore).toBe(true);

    expect((await page('before=1')).messages).toEqual([]);
    // A cursor past the end reads from the newest message.
    expect(seqs((await page('before=100000&limit=3')).messages)).toEqual([118, 119, 120]);
  });

  it('catches up with after=<seq>: the oldest `limit` messages newer than the cursor', async () => {
    const tail = await page('after=100');
    expect(seqs(tail.messages)).toEqual(range(101, 120));
    expectAscending(tail.messages);
    expect(tail.pagination.hasMore).toBe(false);

    const fromStart = await page('after=0&limit=10');
    expect(seqs(fromStart.messages)).toEqual(range(1, 10));
    expect(fromStart.pagination.hasMore).toBe(true);

    const clamped = await page('after=0&limit=500');
    expect(seqs(clamped.messages)).toEqual(range(1, 100));
    expect(clamped.pagination).toMatchObject({ limit: 100, hasMore: true });

    const upToDate = await page(`after=${TOTAL}`);
    expect(upToDate.messages).toEqual([]);
    expect(upToDate.pagination.hasMore).toBe(false);
  });

  it('answers the same catch-up on the socket (conversation:sync) as on REST', async () => {
    const { socket } = await server.connect({ token: owner.token });
    const ack = await call(socket, 'conversation:sync', { conversationId: owner.conversationId, afterSeq: 95 });
    socket.disconnect();
    expect(ack.success).toBe(true);
    expect(ack.data.messages).toEqual((await page('after=95')).messages);
  });

  it('refuses before and after together, and a page with a cursor, with a 400', async () => {
    for (const query of ['before=50&after=10', 'page=2&before=50', 'page=2&after=10']) {
      const reply = await request(server, messagesPath(query), { token: owner.token });
      expectFailure(reply, 400);
      expect(reply.body.errors.length).toBeGreaterThan(0);
      expect(['page', 'before', 'after']).toContain(reply.body.errors[0].field);
    }
  });

  it('answers an empty conversation with no messages and zero pages', async () => {
    const user = await userWithConversation(server);
    const reply = await request(server, `/api/support/conversation/${user.conversationId}/messages`, { token: user.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      success: true,
      data: { messages: [], pagination: { total: 0, page: 1, limit: 50, totalPages: 0, hasMore: false } },
    });
  });

  it('serves a guest its own history with the X-Guest-Id header', async () => {
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    await seedMessages(socket, guest.conversationId, 3, 'guest says');
    socket.disconnect();

    const reply = await request(server, `/api/support/conversation/${guest.conversationId}/messages?limit=2`, { guestId: guest.guestId });
    expect(reply.status).toBe(200);
    expect(reply.body.data.pagination).toEqual({ total: 3, page: 1, limit: 2, totalPages: 2, hasMore: true });
    expect(reply.body.data.messages.map((m: any) => [m.seq, m.message, m.senderType, m.senderId, m.guestId])).toEqual([
      [2, 'guest says 2', 'guest', null, guest.guestId],
      [3, 'guest says 3', 'guest', null, guest.guestId],
    ]);
  });

  it('shows every side of the conversation in one ordered history', async () => {
    const user = await userWithConversation(server);
    const admin = await person('admin');
    const { socket: userSocket } = await server.connect({ token: user.token });
    const { socket: adminSocket } = await server.connect({ token: admin.token });
    await seedMessages(userSocket, user.conversationId, 1, 'question');
    await seedMessages(adminSocket, user.conversationId, 1, 'answer');
    await seedMessages(userSocket, user.conversationId, 1, 'thanks');
    userSocket.disconnect();
    adminSocket.disconnect();

    const reply = await request(server, `/api/support/conversation/${user.conversationId}/messages`, { token: user.token });
    expect(reply.body.data.messages.map((m: any) => [m.seq, m.senderType, m.senderId, m.message])).toEqual([
      [1, 'user', user.id, 'question 1'],
      [2, 'admin', admin.id, 'answer 1'],
      [3, 'user', user.id, 'thanks 1'],
    ]);
  });
});

describe('GET /api/support/conversation/:id', () => {
  const DETAIL_KEYS = [
    'id',
    'userId',
    'guestId',
    'adminId',
    'type',
    'status',
    'priority',
    'subject',
    'lastMessageAt',
    'createdAt',
    'updatedAt',
    'user',
    'admin',
    'messages',
  ];

  it('returns the conversation with its user from the JWT claims and the 50 most recent messages ascending', async () => {
    const reply = await request(server, `/api/support/conversation/${owner.conversationId}`, { token: owner.token });
    expect(reply.status).toBe(200);
    expect(reply.body.success).toBe(true);
    const details = reply.body.data;
    for (const key of DETAIL_KEYS) expect(details, `missing ${key}`).toHaveProperty(key);
    expect(details).toMatchObject({
      id: owner.conversationId,
      userId: owner.id,
      guestId: null,
      adminId: null,
      type: 'general',
      status: 'open',
      priority: 'normal',
      subject: null,
      lastMessageAt: seeded[119]!.createdAt,
      user: { id: owner.id, email: 'owner@example.com', firstName: 'Olive', lastName: 'Owner' },
      admin: null,
    });
    expect(details.user).toEqual({ id: owner.id, email: 'owner@example.com', firstName: 'Olive', lastName: 'Owner' });
    expect(details.createdAt).toMatch(ISO);
    expect(details.updatedAt).toMatch(ISO);
    expect(Date.parse(details.updatedAt)).toBeGreaterThanOrEqual(Date.parse(details.createdAt));
    expect(seqs(details.messages)).toEqual(range(71, 120));
    expectAscending(details.messages);
    expect(details.messages).toEqual((await page('')).messages);
  });

  it('shows the admin profile once an admin has replied, and the reply in the recent messages', async () => {
    const user = await userWithConversation(server, { email: 'gina@example.com', given_name: 'Gina', family_name: 'Given' });
    const before = (await request(server, `/api/support/conversation/${user.conversationId}`, { token: user.token })).body.data;
    expect(before).toMatchObject({ adminId: null, admin: null, lastMessageAt: null, messages: [] });
    // given_name / family_name stand in for firstName / lastName.
    expect(before.user).toEqual({ id: user.id, email: 'gina@example.com', firstName: 'Gina', lastName: 'Given' });

    const admin = await person('admin', { email: 'agent@example.com', firstName: 'Ada', lastName: 'Agent' });
    const { socket: userSocket } = await server.connect({ token: user.token });
    const { socket: adminSocket } = await server.connect({ token: admin.token });
    await seedMessages(userSocket, user.conversationId, 1, 'help');
    const [reply] = await seedMessages(adminSocket, user.conversationId, 1, 'on it');
    userSocket.disconnect();
    adminSocket.disconnect();

    for (const who of [{ token: user.token }, { token: admin.token }]) {
      const after = await request(server, `/api/support/conversation/${user.conversationId}`, who);
      expect(after.status).toBe(200);
      const details = after.body.data;
      expect(details.adminId).toBe(admin.id);
      expect(details.admin).toEqual({ id: admin.id, email: 'agent@example.com', firstName: 'Ada', lastName: 'Agent' });
      expect(details.user).toEqual({ id: user.id, email: 'gina@example.com', firstName: 'Gina', lastName: 'Given' });
      expect(details.messages.map((m: any) => [m.seq, m.senderType, m.message])).toEqual([
        [1, 'user', 'help 1'],
        [2, 'admin', 'on it 1'],
      ]);
      expect(details.lastMessageAt).toBe(reply!.createdAt);
      expect(Date.parse(details.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
      expect(Date.parse(details.updatedAt)).toBeGreaterThanOrEqual(Date.parse(reply!.createdAt));
    }
  });

  it('keeps the profile up to date with the newest token claims, and null where claims are missing', async () => {
    const id = randomUUID();
    const bare = await mintToken({ sub: id });
    const conversation = await request(server, '/api/support/conversation', { token: bare });
    const path = `/api/support/conversation/${conversation.body.data.id}`;
    expect((await request(server, path, { token: bare })).body.data.user).toEqual({ id, email: null, firstName: null, lastName: null });

    const renamed = await mintToken({ sub: id, claims: { email: 'new@example.com', firstName: 'Nina', lastName: 'New' } });
    expect((await request(server, path, { token: renamed })).body.data.user).toEqual({
      id,
      email: 'new@example.com',
      firstName: 'Nina',
      lastName: 'New',
    });
  });

  it('shows a guest conversation with no user, to the guest and to an admin', async () => {
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    await seedMessages(socket, guest.conversationId, 2, 'anon');
    socket.disconnect();
    const admin = await person('admin');
    for (const who of [{ guestId: guest.guestId }, { token: admin.token }]) {
      const reply = await request(server, `/api/support/conversation/${guest.conversationId}`, who);
      expect(reply.status).toBe(200);
      expect(reply.body.data).toMatchObject({ id: guest.conversationId, userId: null, guestId: guest.guestId, user: null, admin: null });
      expect(reply.body.data.messages.map((m: any) => m.message)).toEqual(['anon 1', 'anon 2']);
    }
  });

  it('answers 404 for a conversation that does not exist and 400 for an id that is not a uuid', async () => {
    const missing = await request(server, `/api/support/conversation/${randomUUID()}`, { token: owner.token });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, message: 'Conversation not found' });
    expectFieldError(await request(server, '/api/support/conversation/not-a-uuid', { token: owner.token }), 'conversationId');
  });
});
