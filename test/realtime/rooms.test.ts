import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventArrives, nextEvent, startTestServer, type TestServer } from '../support/server.js';
import { adminSession, call, collect, guestSession, history, join, send, until, userSession } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const notFound = { success: false, message: 'Conversation not found' };

describe('conversation:join and conversation:leave', () => {
  it('join acknowledges success and emits conversation:joined {conversationId}', async () => {
    const { socket, conversationId } = await guestSession(server);
    const joined = nextEvent(socket, 'conversation:joined');
    const ack = await call(socket, 'conversation:join', { conversationId });
    expect(ack.success).toBe(true);
    expect(ack.data.conversationId).toBe(conversationId);
    expect(await joined).toEqual({ conversationId });
  });

  it('admins may join any conversation; users and guests only their own', async () => {
    const guest = await guestSession(server);
    const user = await userSession(server);
    const admin = await adminSession(server);
    await join(admin.socket, guest.conversationId);
    await join(admin.socket, user.conversationId);
    await join(user.socket, user.conversationId);

    for (const [socket, conversationId] of [
      [guest.socket, user.conversationId],
      [user.socket, guest.conversationId],
      [guest.socket, randomUUID()],
    ] as const) {
      const joined = eventArrives(socket, 'conversation:joined', 200);
      const error = nextEvent(socket, 'message:error');
      // A conversation the caller may not see answers exactly like one that does not exist.
      expect(await call(socket, 'conversation:join', { conversationId })).toEqual(notFound);
      expect(await error).toEqual({ error: 'Conversation not found', event: 'conversation:join', code: 'NOT_FOUND' });
      expect(await joined).toBe(false);
    }
  });

  it('a refused join does not let messages of that conversation through', async () => {
    const owner = await userSession(server);
    const intruder = await guestSession(server);
    expect(await call(intruder.socket, 'conversation:join', { conversationId: owner.conversationId })).toEqual(notFound);
    const leaked = eventArrives(intruder.socket, 'message:received', 300);
    await send(owner.socket, owner.conversationId, 'private to me');
    expect(await leaked).toBe(false);
  });

  it('join with a bad payload is a validation failure naming conversationId', async () => {
    const { socket } = await guestSession(server);
    for (const payload of [{ conversationId: 'not-a-uuid' }, {}, null]) {
      const error = nextEvent(socket, 'message:error');
      const ack = await call(socket, 'conversation:join', payload);
      expect(ack.success).toBe(false);
      expect(ack.message).toBe('Validation failed');
      expect(ack.errors.map((e: { field: string }) => e.field)).toContain(payload === null ? 'body' : 'conversationId');
      expect(await error).toMatchObject({ event: 'conversation:join', code: 'BAD_REQUEST' });
    }
  });

  it('leave emits conversation:left and stops messages arriving through the conversation room', async () => {
    const guest = await guestSession(server);
    const admin = await adminSession(server);
    await join(admin.socket, guest.conversationId);

    const first = nextEvent(admin.socket, 'message:received');
    const sent = await send(guest.socket, guest.conversationId, 'before leaving');
    expect(await first).toEqual(sent);

    const left = nextEvent(admin.socket, 'conversation:left');
    const ack = await call(admin.socket, 'conversation:leave', { conversationId: guest.conversationId });
    expect(ack).toEqual({ success: true, data: { conversationId: guest.conversationId } });
    expect(await left).toEqual({ conversationId: guest.conversationId });

    const received = eventArrives(admin.socket, 'message:received', 300);
    const inbox = nextEvent(admin.socket, 'conversation:new_message');
    const after = await send(guest.socket, guest.conversationId, 'after leaving');
    // Still told as an agent (proves the message went out), but no longer as a room member.
    expect(await inbox).toEqual({ conversationId: guest.conversationId, message: after });
    expect(await received).toBe(false);

    // Joining again brings the room's messages back.
    await join(admin.socket, guest.conversationId);
    const again = nextEvent(admin.socket, 'message:received');
    const third = await send(guest.socket, guest.conversationId, 'after rejoining');
    expect(await again).toEqual(third);
  });
});

describe('personal rooms', () => {
  it('a guest owner receives an admin reply without ever joining, on every tab', async () => {
    const guest = await guestSession(server);
    const secondTab = (await server.connect({ guestId: guest.guestId })).socket;
    const otherGuest = await guestSession(server);
    const admin = await adminSession(server);

    const onFirst = collect(guest.socket, 'message:received');
    const onSecond = collect(secondTab, 'message:received');
    const leaked = eventArrives(otherGuest.socket, 'message:received', 300);
    const reply = await send(admin.socket, guest.conversationId, 'Hi, how can I help?');
    expect(reply).toMatchObject({ senderType: 'admin', senderId: admin.id, guestId: null, conversationId: guest.conversationId });

    await until(() => onFirst.length > 0 && onSecond.length > 0, 'the reply on both tabs');
    await eventArrives(guest.socket, 'message:received', 200); // room for a duplicate to show up
    expect(onFirst).toEqual([reply]);
    expect(onSecond).toEqual([reply]);
    expect(await leaked).toBe(false);
  });

  it('a user owner receives an admin reply without joining', async () => {
    const user = await userSession(server);
    const admin = await adminSession(server);
    const got = nextEvent(user.socket, 'message:received');
    const reply = await send(admin.socket, user.conversationId, 'Hello user');
    expect(await got).toEqual(reply);
  });
});

describe('typing:start and typing:stop', () => {
  it('reach the others in the room with {conversationId, senderId, senderType}, never the sender', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const bystander = await adminSession(server); // an admin who has not joined
    await join(guest.socket, guest.conversationId);
    await join(agent.socket, guest.conversationId);

    for (const event of ['typing:start', 'typing:stop']) {
      const toAgent = nextEvent(agent.socket, event);
      const toSelf = eventArrives(guest.socket, event, 300);
      const toBystander = eventArrives(bystander.socket, event, 300);
      const ack = await call(guest.socket, event, { conversationId: guest.conversationId });
      expect(ack).toEqual({ success: true, data: { conversationId: guest.conversationId } });
      expect(await toAgent).toEqual({ conversationId: guest.conversationId, senderId: guest.guestId, senderType: 'guest' });
      expect(await toSelf).toBe(false);
      expect(await toBystander).toBe(false);
    }

    const toGuest = nextEvent(guest.socket, 'typing:start');
    const toAgentSelf = eventArrives(agent.socket, 'typing:start', 300);
    // Without an acknowledgement callback, as the spec's widget sends it.
    agent.socket.emit('typing:start', { conversationId: guest.conversationId });
    expect(await toGuest).toEqual({ conversationId: guest.conversationId, senderId: agent.id, senderType: 'admin' });
    expect(await toAgentSelf).toBe(false);
  });

  it('carries a user sender as senderType "user"', async () => {
    const user = await userSession(server);
    const agent = await adminSession(server);
    await join(user.socket, user.conversationId);
    await join(agent.socket, user.conversationId);
    const got = nextEvent(agent.socket, 'typing:stop');
    await call(user.socket, 'typing:stop', { conversationId: user.conversationId });
    expect(await got).toEqual({ conversationId: user.conversationId, senderId: user.id, senderType: 'user' });
  });

  it('refuses typing into a conversation the caller may not see, and tells nobody', async () => {
    const owner = await guestSession(server);
    const agent = await adminSession(server);
    await join(owner.socket, owner.conversationId);
    await join(agent.socket, owner.conversationId);
    const intruder = await guestSession(server);

    const toOwner = eventArrives(owner.socket, 'typing:start', 300);
    const toAgent = eventArrives(agent.socket, 'typing:start', 300);
    const error = nextEvent(intruder.socket, 'message:error');
    expect(await call(intruder.socket, 'typing:start', { conversationId: owner.conversationId })).toEqual(notFound);
    expect(await error).toEqual({ error: 'Conversation not found', event: 'typing:start', code: 'NOT_FOUND' });
    expect(await toOwner).toBe(false);
    expect(await toAgent).toBe(false);
  });
});

describe('message:read', () => {
  it('when the other side reads, broadcasts {messageId, conversationId} to the room and history shows isRead', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    await join(guest.socket, guest.conversationId);
    await join(agent.socket, guest.conversationId);
    const question = await send(guest.socket, guest.conversationId, 'Is anyone there?');
    expect(question.isRead).toBe(false);

    const toGuest = nextEvent(guest.socket, 'message:read');
    const toAgent = nextEvent(agent.socket, 'message:read');
    const ack = await call(agent.socket, 'message:read', { messageId: question.id });
    expect(ack).toEqual({ success: true, data: { messageId: question.id, conversationId: guest.conversationId, isRead: true } });
    expect(await toGuest).toEqual({ messageId: question.id, conversationId: guest.conversationId });
    expect(await toAgent).toEqual({ messageId: question.id, conversationId: guest.conversationId });

    const { messages } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(messages).toEqual([{ ...question, isRead: true }]);

    // Reading it again changes nothing and tells nobody again.
    const again = eventArrives(guest.socket, 'message:read', 300);
    const second = await call(agent.socket, 'message:read', { messageId: question.id });
    expect(second).toEqual({ success: true, data: { messageId: question.id, conversationId: guest.conversationId, isRead: true } });
    expect(await again).toBe(false);
  });

  it('the owner reading an agent reply marks it read and tells the agent', async () => {
    const user = await userSession(server);
    const agent = await adminSession(server);
    await join(agent.socket, user.conversationId);
    const reply = await send(agent.socket, user.conversationId, 'We are on it');
    const toAgent = nextEvent(agent.socket, 'message:read');
    const ack = await call(user.socket, 'message:read', { messageId: reply.id });
    expect(ack.data).toEqual({ messageId: reply.id, conversationId: user.conversationId, isRead: true });
    expect(await toAgent).toEqual({ messageId: reply.id, conversationId: user.conversationId });
    const { messages } = await history(server, user.conversationId, { token: user.token });
    expect(messages.map((m) => m.isRead)).toEqual([true]);
  });

  it('reading your own side\'s message leaves isRead false and broadcasts nothing', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const colleague = await adminSession(server);
    await join(guest.socket, guest.conversationId);
    await join(agent.socket, guest.conversationId);
    await join(colleague.socket, guest.conversationId);
    const own = await send(guest.socket, guest.conversationId, 'my own message');
    const reply = await send(agent.socket, guest.conversationId, 'an agent reply');

    const toAgent = eventArrives(agent.socket, 'message:read', 300);
    const toGuest = eventArrives(guest.socket, 'message:read', 300);
    const toColleague = eventArrives(colleague.socket, 'message:read', 300);
    const ownAck = await call(guest.socket, 'message:read', { messageId: own.id });
    expect(ownAck).toEqual({ success: true, data: { messageId: own.id, conversationId: guest.conversationId, isRead: false } });
    const agentAck = await call(agent.socket, 'message:read', { messageId: reply.id });
    expect(agentAck.data.isRead).toBe(false);
    // Another agent is on the same side as the agent who wrote it.
    const colleagueAck = await call(colleague.socket, 'message:read', { messageId: reply.id });
    expect(colleagueAck.data.isRead).toBe(false);
    expect(await toAgent).toBe(false);
    expect(await toGuest).toBe(false);
    expect(await toColleague).toBe(false);

    const { messages } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(messages.map((m) => [m.id, m.isRead])).toEqual([
      [own.id, false],
      [reply.id, false],
    ]);
  });

  it('a message in a conversation the caller may not see answers like one that does not exist', async () => {
    const owner = await guestSession(server);
    const agent = await adminSession(server);
    const reply = await send(agent.socket, owner.conversationId, 'for the owner only');
    const intruder = await guestSession(server);

    for (const messageId of [reply.id, randomUUID()]) {
      const error = nextEvent(intruder.socket, 'message:error');
      expect(await call(intruder.socket, 'message:read', { messageId })).toEqual({ success: false, message: 'Message not found' });
      expect(await error).toEqual({ error: 'Message not found', event: 'message:read', code: 'NOT_FOUND' });
    }
    const invalid = await call(intruder.socket, 'message:read', { messageId: 'nope' });
    expect(invalid).toMatchObject({ success: false, message: 'Validation failed', errors: [{ field: 'messageId' }] });

    const { messages } = await history(server, owner.conversationId, { guestId: owner.guestId });
    expect(messages.map((m) => m.isRead)).toEqual([false]);
  });
});

describe('conversation:join with afterSeq (a reconnect catching up in the join)', () => {
  /** Everything a socket hears from now on, by event. */
  function heard(socket: Socket) {
    const events: [string, any][] = [];
    socket.onAny((event: string, payload: unknown) => events.push([event, payload]));
    return events;
  }

  it('answers the page after afterSeq as sync does (hasMore under a small limit), then the next message live, once', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const sent: Record<string, any>[] = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(i % 2 === 1 ? guest.socket : agent.socket, guest.conversationId, `message ${i}`));

    // Another agent's socket, in no room of this conversation: only the join can bring it in.
    const { socket } = await server.connect({ token: agent.token });
    const events = heard(socket);
    const joined = await call(socket, 'conversation:join', { conversationId: guest.conversationId, afterSeq: 2 });
    expect(joined).toEqual({
      success: true,
      data: {
        conversationId: guest.conversationId,
        lastSeq: 5,
        messages: sent.slice(2),
        pagination: { total: 5, page: 1, limit: 100, totalPages: 1, hasMore: false },
      },
    });
    const synced = await call(socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: 2 });
    expect({ messages: joined.data.messages, pagination: joined.data.pagination }).toEqual(synced.data);
    expect(events).toEqual([['conversation:joined', { conversationId: guest.conversationId }]]);

    const next = await send(guest.socket, guest.conversationId, 'right after the join');
    await until(() => events.some(([event]) => event === 'message:received'), 'the next message live');
    await new Promise((resolve) => setTimeout(resolve, 200)); // a second copy would be here by now
    const live = events.filter(([event]) => event === 'message:received').map(([, m]) => m);
    expect(live).toEqual([next]);
    expect([...joined.data.messages, ...live].map((m: { seq: number }) => m.seq)).toEqual([3, 4, 5, 6]);

    const page = await call(guest.socket, 'conversation:join', { conversationId: guest.conversationId, afterSeq: 1, limit: 2 });
    expect(page.data.messages.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);
    expect(page.data).toMatchObject({ lastSeq: 6, pagination: { total: 6, limit: 2, hasMore: true } });
    const upToDate = await call(guest.socket, 'conversation:join', { conversationId: guest.conversationId, afterSeq: 6 });
    expect(upToDate.data).toMatchObject({ lastSeq: 6, messages: [], pagination: { hasMore: false } });
  });

  it('without afterSeq answers as before: the room and lastSeq, no page', async () => {
    const guest = await guestSession(server);
    await send(guest.socket, guest.conversationId, 'one');
    expect(await call(guest.socket, 'conversation:join', { conversationId: guest.conversationId })).toEqual({
      success: true,
      data: { conversationId: guest.conversationId, lastSeq: 1 },
    });
  });

  it('refuses a stranger as before, and puts them in no room: they hear nothing of the conversation after', async () => {
    const owner = await guestSession(server);
    await send(owner.socket, owner.conversationId, 'secret before');
    const strangers = [await guestSession(server), await userSession(server)];
    const events = strangers.map(({ socket }) => heard(socket));
    for (const { socket } of strangers) {
      const error = nextEvent(socket, 'message:error');
      expect(await call(socket, 'conversation:join', { conversationId: owner.conversationId, afterSeq: 0 })).toEqual(notFound);
      expect(await error).toEqual({ error: 'Conversation not found', event: 'conversation:join', code: 'NOT_FOUND' });
    }
    const agent = await adminSession(server);
    await send(owner.socket, owner.conversationId, 'secret after');
    await send(agent.socket, owner.conversationId, 'agent reply');
    await call(owner.socket, 'typing:start', { conversationId: owner.conversationId });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const seen of events) {
      expect(seen.map(([event]) => event)).toEqual(['message:error']);
      expect(JSON.stringify(seen)).not.toContain('secret');
    }
  });

  it.each([
    { afterSeq: -1, field: 'afterSeq' },
    { afterSeq: 'abc', field: 'afterSeq' },
    { afterSeq: 1.5, field: 'afterSeq' },
    { afterSeq: 2 ** 31, field: 'afterSeq' },
    { afterSeq: 1e21, field: 'afterSeq' },
    { afterSeq: null, field: 'afterSeq' },
    { afterSeq: 0, limit: 0, field: 'limit' },
    { afterSeq: 0, limit: 'ten', field: 'limit' },
  ])('refuses afterSeq $afterSeq / limit $limit as a validation failure naming $field, and joins nothing', async ({ field, ...input }) => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const events = heard(agent.socket);
    const ack = await call(agent.socket, 'conversation:join', { conversationId: guest.conversationId, ...input });
    expect(ack).toMatchObject({ success: false, message: 'Validation failed' });
    expect(ack.errors.map((e: { field: string }) => e.field)).toContain(field);
    await send(guest.socket, guest.conversationId, 'after the refused join');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The admins room hears of the message; the conversation room was never joined.
    expect(events.map(([event]) => event)).toEqual(['message:error', 'conversation:new_message']);
    expect(events[0]![1]).toMatchObject({ event: 'conversation:join', code: 'BAD_REQUEST' });
  });

  it('takes the largest afterSeq there is, and answers an empty page', async () => {
    const guest = await guestSession(server);
    await send(guest.socket, guest.conversationId, 'one');
    const ack = await call(guest.socket, 'conversation:join', { conversationId: guest.conversationId, afterSeq: 2 ** 31 - 1, limit: 1_000 });
    expect(ack.data).toMatchObject({ lastSeq: 1, messages: [], pagination: { total: 1, limit: 100, hasMore: false } });
  });
});

describe('conversation:sync', () => {
  it('answers every message after afterSeq in ascending seq order, with hasMore', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const sent: Record<string, any>[] = [];
    for (let i = 1; i <= 5; i++) {
      const socket = i % 2 === 1 ? guest.socket : agent.socket;
      sent.push(await send(socket, guest.conversationId, `message ${i}`));
    }
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);

    const afterTwo = await call(guest.socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: 2 });
    expect(afterTwo.success).toBe(true);
    expect(afterTwo.data.messages).toEqual(sent.slice(2));
    expect(afterTwo.data.pagination.hasMore).toBe(false);
    expect(afterTwo.data.pagination.total).toBe(5);

    const all = await call(agent.socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: 0 });
    expect(all.data.messages).toEqual(sent);
    expect(all.data.pagination.hasMore).toBe(false);

    const none = await call(guest.socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: 5 });
    expect(none.data.messages).toEqual([]);
    expect(none.data.pagination.hasMore).toBe(false);

    const page = await call(guest.socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: 1, limit: 2 });
    expect(page.data.messages.map((m: { seq: number }) => m.seq)).toEqual([2, 3]);
    expect(page.data.pagination.hasMore).toBe(true);
  });

  it('after a disconnect, syncing from the last seen seq yields every message exactly once, in order', async () => {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    const seen = collect<Record<string, any>>(guest.socket, 'message:received');
    await send(guest.socket, guest.conversationId, 'one');
    await send(agent.socket, guest.conversationId, 'two');
    await until(() => seen.length >= 2, 'both messages live');
    const lastSeen = Math.max(...seen.map((m) => m.seq));
    expect(lastSeen).toBe(2);
    guest.socket.disconnect();

    const missed = [
      await send(agent.socket, guest.conversationId, 'three'),
      await send(agent.socket, guest.conversationId, 'four'),
    ];
    const { socket } = await server.connect({ guestId: guest.guestId });
    const synced = await call(socket, 'conversation:sync', { conversationId: guest.conversationId, afterSeq: lastSeen });
    expect(synced.data.messages).toEqual(missed);
    expect([...seen, ...synced.data.messages].map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a conversation the caller may not see, and a missing conversationId', async () => {
    const owner = await guestSession(server);
    await send(owner.socket, owner.conversationId, 'secret');
    const intruder = await userSession(server);
    const error = nextEvent(intruder.socket, 'message:error');
    expect(await call(intruder.socket, 'conversation:sync', { conversationId: owner.conversationId, afterSeq: 0 })).toEqual(notFound);
    expect(await error).toEqual({ error: 'Conversation not found', event: 'conversation:sync', code: 'NOT_FOUND' });
    const invalid = await call(intruder.socket, 'conversation:sync', { afterSeq: 0 });
    expect(invalid).toMatchObject({ success: false, message: 'Validation failed' });
    expect(invalid.errors.map((e: { field: string }) => e.field)).toContain('conversationId');
  });
});
