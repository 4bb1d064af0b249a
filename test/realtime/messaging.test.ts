import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { eventArrives, nextEvent, request, startTestServer, type TestServer } from '../support/server.js';
import {
  adminSession,
  call,
  collect,
  guestSession,
  history,
  ISO,
  join,
  MESSAGE_KEYS,
  send,
  until,
  userSession,
  UUID,
} from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('message:send', () => {
  it('acknowledges with the stored message, field by field', async () => {
    const guest = await guestSession(server);
    await join(guest.socket, guest.conversationId);
    const clientMessageId = randomUUID();
    const before = Date.now();
    const ack = await call(guest.socket, 'message:send', {
      conversationId: guest.conversationId,
      message: '  Hello, I need help  ',
      messageType: 'text',
      clientMessageId,
    });
    expect(ack.success).toBe(true);
    const m = ack.data;
    expect(Object.keys(m).sort()).toEqual(MESSAGE_KEYS);
    expect(m.id).toMatch(UUID);
    expect(m.conversationId).toBe(guest.conversationId);
    expect(m.seq).toBe(1);
    expect(m.senderId).toBeNull();
    expect(m.senderType).toBe('guest');
    expect(m.guestId).toBe(guest.guestId);
    expect(m.message).toBe('Hello, I need help'); // trimmed
    expect(m.messageType).toBe('text');
    expect(m.isRead).toBe(false);
    expect(m.createdAt).toMatch(ISO);
    expect(Date.parse(m.createdAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(Date.parse(m.createdAt)).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(m.clientMessageId).toBe(clientMessageId);

    // History over REST shows exactly the acknowledged message.
    const { messages, pagination } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(messages).toEqual([m]);
    expect(pagination.total).toBe(1);
  });

  it('stores a user and an admin sender with senderId and no guestId; messageType defaults to text', async () => {
    const user = await userSession(server);
    const admin = await adminSession(server);
    const fromUser = await send(user.socket, user.conversationId, 'from the user');
    expect(fromUser).toMatchObject({ seq: 1, senderId: user.id, senderType: 'user', guestId: null, messageType: 'text', clientMessageId: null });
    const fromAdmin = await send(admin.socket, user.conversationId, 'from the admin');
    expect(fromAdmin).toMatchObject({ seq: 2, senderId: admin.id, senderType: 'admin', guestId: null, messageType: 'text' });
  });

  it('delivers message:received exactly once to every socket in the room, the sender included; agents outside get conversation:new_message', async () => {
    const guest = await guestSession(server);
    const secondTab = (await server.connect({ guestId: guest.guestId })).socket;
    const agent = await adminSession(server);
    const outsider = await adminSession(server); // an agent who has not joined
    const otherUser = await userSession(server);
    await join(guest.socket, guest.conversationId);
    await join(agent.socket, guest.conversationId);

    const received = new Map<Socket, unknown[]>(
      [guest.socket, secondTab, agent.socket, outsider.socket, otherUser.socket].map((s) => [s, collect(s, 'message:received')]),
    );
    const inboxOfAgent = collect(agent.socket, 'conversation:new_message');
    const inboxOfOutsider = collect(outsider.socket, 'conversation:new_message');
    const inboxOfGuest = collect(guest.socket, 'conversation:new_message');

    const m = await send(guest.socket, guest.conversationId, 'Anyone?');
    // The sender's own copy is written before its acknowledgement.
    expect(received.get(guest.socket)).toEqual([m]);

    await until(
      () => received.get(secondTab)!.length > 0 && received.get(agent.socket)!.length > 0 && inboxOfOutsider.length > 0 && inboxOfAgent.length > 0,
      'delivery to every audience',
    );
    await eventArrives(outsider.socket, 'message:received', 250); // room for duplicates or leaks to show up

    expect(received.get(guest.socket)).toEqual([m]);
    expect(received.get(secondTab)).toEqual([m]); // the owner's personal room
    expect(received.get(agent.socket)).toEqual([m]);
    expect(received.get(outsider.socket)).toEqual([]);
    expect(received.get(otherUser.socket)).toEqual([]);
    expect(inboxOfOutsider).toEqual([{ conversationId: guest.conversationId, message: m }]);
    expect(inboxOfAgent).toEqual([{ conversationId: guest.conversationId, message: m }]);
    expect(inboxOfGuest).toEqual([]); // the inbox feed is for agents only
  });

  it('a sender that had not joined still gets its own message:received and follows the conversation afterwards', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server); // never joins explicitly; admins are not owners, so only the room reaches them
    const own = collect(agent.socket, 'message:received');
    const reply = await send(agent.socket, guest.conversationId, 'Hello from support');
    expect(own).toEqual([reply]);

    const next = nextEvent(agent.socket, 'message:received');
    const answer = await send(guest.socket, guest.conversationId, 'Thanks!');
    expect(await next).toEqual(answer);
    await eventArrives(agent.socket, 'message:received', 200);
    expect(own).toEqual([reply, answer]);
  });

  it('makes the first admin to send into an unassigned conversation its adminId, and only the first', async () => {
    const guest = await guestSession(server);
    const first = await adminSession(server, { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    const second = await adminSession(server);

    const path = `/api/support/conversation/${guest.conversationId}`;
    expect((await request(server, path, { token: first.token })).body.data).toMatchObject({ adminId: null, admin: null });

    // A guest's message does not assign anyone.
    await send(guest.socket, guest.conversationId, 'help');
    expect((await request(server, path, { token: first.token })).body.data.adminId).toBeNull();

    await send(first.socket, guest.conversationId, 'I am on it');
    const details = await request(server, path, { token: second.token });
    expect(details.status).toBe(200);
    expect(details.body.data.adminId).toBe(first.id);
    expect(details.body.data.admin).toEqual({ id: first.id, email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });

    await send(second.socket, guest.conversationId, 'me too');
    const later = await request(server, path, { token: second.token });
    expect(later.body.data.adminId).toBe(first.id);
    expect(later.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['help', 'I am on it', 'me too']);
  });

  it('moves lastMessageAt and updatedAt with every message', async () => {
    const user = await userSession(server);
    const path = `/api/support/conversation/${user.conversationId}`;
    const initial = (await request(server, path, { token: user.token })).body.data;
    expect(initial.lastMessageAt).toBeNull();

    const first = await send(user.socket, user.conversationId, 'first');
    const afterFirst = (await request(server, path, { token: user.token })).body.data;
    expect(afterFirst.lastMessageAt).toBe(first.createdAt);
    expect(afterFirst.updatedAt).toBe(first.createdAt);
    expect(Date.parse(afterFirst.updatedAt)).toBeGreaterThanOrEqual(Date.parse(initial.updatedAt));

    const second = await send(user.socket, user.conversationId, 'second');
    expect(Date.parse(second.createdAt)).toBeGreaterThanOrEqual(Date.parse(first.createdAt));
    const afterSecond = (await request(server, path, { token: user.token })).body.data;
    expect(afterSecond.lastMessageAt).toBe(second.createdAt);
    expect(afterSecond.updatedAt).toBe(second.createdAt);

    // The same through the get-or-create endpoint clients poll.
    const again = (await request(server, '/api/support/conversation', { token: user.token })).body.data;
    expect(again.id).toBe(user.conversationId);
    expect(again.lastMessageAt).toBe(second.createdAt);
  });
});

describe('message:send failures', () => {
  const notFound = { success: false, message: 'Conversation not found' };
  const notFoundEvent = { error: 'Conversation not found', event: 'message:send', code: 'NOT_FOUND' };

  it('refuses a conversation of another guest or user exactly like a missing one, and the socket keeps working', async () => {
    const victimGuest = await guestSession(server);
    const victimUser = await userSession(server);
    const attacker = await guestSession(server);
    const attackerUser = await userSession(server);
    const leakedToGuest = eventArrives(victimGuest.socket, 'message:received', 400);
    const leakedToUser = eventArrives(victimUser.socket, 'message:received', 400);

    for (const [socket, conversationId] of [
      [attacker.socket, victimGuest.conversationId],
      [attacker.socket, victimUser.conversationId],
      [attackerUser.socket, victimGuest.conversationId],
      [attackerUser.socket, victimUser.conversationId],
      [attacker.socket, randomUUID()],
    ] as const) {
      const error = nextEvent(socket, 'message:error');
      expect(await call(socket, 'message:send', { conversationId, message: 'let me in' })).toEqual(notFound);
      expect(await error).toEqual(notFoundEvent);
    }
    expect(await leakedToGuest).toBe(false);
    expect(await leakedToUser).toBe(false);
    expect((await history(server, victimGuest.conversationId, { guestId: victimGuest.guestId })).pagination.total).toBe(0);
    expect((await history(server, victimUser.conversationId, { token: victimUser.token })).pagination.total).toBe(0);

    // Still connected, and a send into its own conversation works.
    expect(attacker.socket.connected).toBe(true);
    const mine = await send(attacker.socket, attacker.conversationId, 'my own conversation');
    expect(mine).toMatchObject({ seq: 1, guestId: attacker.guestId });
  });

  it('refuses invalid messages with a validation failure naming the field, stores nothing and tells nobody', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    await join(agent.socket, guest.conversationId);
    const toAgent = collect(agent.socket, 'message:received');
    const toGuest = collect(guest.socket, 'message:received');
    const c = guest.conversationId;

    const cases: [string, unknown, string][] = [
      ['empty', { conversationId: c, message: '' }, 'message'],
      ['whitespace only', { conversationId: c, message: '  \n\t  ' }, 'message'],
      ['5001 characters', { conversationId: c, message: 'x'.repeat(5001) }, 'message'],
      ['missing message', { conversationId: c }, 'message'],
      ['non-string message', { conversationId: c, message: 42 }, 'message'],
      ['messageType system', { conversationId: c, message: 'hi', messageType: 'system' }, 'messageType'],
      ['messageType auth_code', { conversationId: c, message: '123456', messageType: 'auth_code' }, 'messageType'],
      ['messageType file without files', { conversationId: c, message: 'file.pdf', messageType: 'file' }, 'attachmentIds'],
      ['files on a text message', { conversationId: c, message: 'hi', attachmentIds: ['6f1c2b7e-3d4a-4e5f-9a0b-1c2d3e4f5a6b'] }, 'attachmentIds'],
      ['unknown messageType', { conversationId: c, message: 'hi', messageType: 'video' }, 'messageType'],
      ['non-uuid conversationId', { conversationId: 'not-a-uuid', message: 'hi' }, 'conversationId'],
      ['missing conversationId', { message: 'hi' }, 'conversationId'],
      ['non-uuid clientMessageId', { conversationId: c, message: 'hi', clientMessageId: 'abc' }, 'clientMessageId'],
    ];
    for (const [name, payload, field] of cases) {
      const error = nextEvent(guest.socket, 'message:error');
      const ack = await call(guest.socket, 'message:send', payload);
      expect(ack.success, name).toBe(false);
      expect(ack.message, name).toBe('Validation failed');
      expect(ack.errors, name).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
      expect(await error, name).toEqual({ error: 'Validation failed', event: 'message:send', code: 'BAD_REQUEST' });
    }
    const file = await call(guest.socket, 'message:send', { conversationId: c, message: 'file.pdf', messageType: 'file' });
    expect(file.errors[0].message).toBe('A file message needs at least one attachment');

    expect(await eventArrives(agent.socket, 'message:received', 250)).toBe(false);
    expect(toAgent).toEqual([]);
    expect(toGuest).toEqual([]);
    expect((await history(server, c, { guestId: guest.guestId })).pagination.total).toBe(0);

    // Boundaries: exactly 5000 characters is accepted, and so is 5000 once trimmed.
    const longest = await send(guest.socket, c, 'y'.repeat(5000));
    expect(longest.message).toHaveLength(5000);
    const padded = await send(guest.socket, c, `  ${'z'.repeat(5000)}  `);
    expect(padded.message).toBe('z'.repeat(5000));
    expect(padded.seq).toBe(2);
  });

  it('refuses payloads that are not objects', async () => {
    const guest = await guestSession(server);
    for (const payload of ['hello', 42, null, [guest.conversationId, 'hi'], true]) {
      const error = nextEvent(guest.socket, 'message:error');
      const ack = await call(guest.socket, 'message:send', payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({ success: false, message: 'Validation failed' });
      expect(ack.errors.length, JSON.stringify(payload)).toBeGreaterThan(0);
      expect(await error).toEqual({ error: 'Validation failed', event: 'message:send', code: 'BAD_REQUEST' });
    }
    // An acknowledgement callback with no payload at all.
    const bare = await guest.socket.timeout(5_000).emitWithAck('message:send');
    expect(bare).toMatchObject({ success: false, message: 'Validation failed' });
    expect(guest.socket.connected).toBe(true);
    expect((await send(guest.socket, guest.conversationId, 'still here')).seq).toBe(1);
  });

  it('serves events sent without an acknowledgement callback, failed or not, without crashing', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    await join(agent.socket, guest.conversationId);

    // A valid send without a callback is stored and delivered.
    const delivered = nextEvent(agent.socket, 'message:received');
    guest.socket.emit('message:send', { conversationId: guest.conversationId, message: 'fire and forget' });
    expect(await delivered).toMatchObject({ seq: 1, message: 'fire and forget', guestId: guest.guestId });

    // Invalid ones still report through message:error.
    for (const args of [['garbage'], [null], [], [{ conversationId: randomUUID(), message: 'x' }], [{ conversationId: guest.conversationId, message: '' }, 'not-a-callback']]) {
      const error = nextEvent(guest.socket, 'message:error');
      guest.socket.emit('message:send', ...args);
      expect(await error, JSON.stringify(args)).toMatchObject({ event: 'message:send', code: expect.stringMatching(/^(BAD_REQUEST|NOT_FOUND)$/) });
    }
    for (const event of ['message:read', 'typing:start', 'typing:stop', 'conversation:join', 'conversation:leave', 'conversation:sync']) {
      const error = nextEvent(guest.socket, 'message:error');
      guest.socket.emit(event, 'garbage');
      expect(await error, event).toMatchObject({ event, code: 'BAD_REQUEST' });
    }

    // The same socket, other sockets, and new connections are all still served.
    expect(guest.socket.connected).toBe(true);
    expect(agent.socket.connected).toBe(true);
    expect((await send(guest.socket, guest.conversationId, 'after the noise')).seq).toBe(2);
    const fresh = await server.connect();
    expect(fresh.identity.type).toBe('guest');
    expect((await request(server, '/api/support/conversation/guest', { body: {} })).status).toBe(200);
  });

  it('closes only the socket that sends a frame over 64 KB', async () => {
    const guest = await guestSession(server);
    const bystander = await guestSession(server);
    const disconnected = nextEvent(guest.socket, 'disconnect');
    guest.socket.emit('message:send', { conversationId: guest.conversationId, message: 'x'.repeat(70 * 1024) });
    await disconnected;
    expect(guest.socket.connected).toBe(false);
    expect(bystander.socket.connected).toBe(true);
    expect((await send(bystander.socket, bystander.conversationId, 'unaffected')).seq).toBe(1);
    expect((await history(server, guest.conversationId, { guestId: guest.guestId })).pagination.total).toBe(0);
  });
});
