import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { eventArrives, startTestServer, type TestServer } from '../support/server.js';
import { adminSession, call, collect, guestSession, history, join, until } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('seq under concurrency', () => {
  it('gives 50 concurrent sends from several sockets seq 1..50 exactly, with no gaps or repeats', async () => {
    const guest = await guestSession(server);
    const guestTab = (await server.connect({ guestId: guest.guestId })).socket;
    const agents = await Promise.all([adminSession(server), adminSession(server), adminSession(server)]);
    const senders: Socket[] = [guest.socket, guestTab, ...agents.map((a) => a.socket)];
    for (const s of senders) await join(s, guest.conversationId);
    const received = senders.map((s) => collect<{ seq: number; id: string }>(s, 'message:received'));

    const texts = range(50).map((i) => `concurrent ${i}`);
    const acks = await Promise.all(
      texts.map((message, i) => call(senders[i % senders.length]!, 'message:send', { conversationId: guest.conversationId, message })),
    );
    expect(acks.every((a) => a.success === true)).toBe(true);
    expect(acks.map((a) => a.data.seq).sort((a, b) => a - b)).toEqual(range(50));
    expect(new Set(acks.map((a) => a.data.id)).size).toBe(50);
    // Each acknowledgement carries the message its sender sent.
    expect(acks.map((a) => a.data.message)).toEqual(texts);

    const { messages, pagination } = await history(server, guest.conversationId, { guestId: guest.guestId }, 'limit=100');
    expect(pagination.total).toBe(50);
    expect(messages.map((m) => m.seq)).toEqual(range(50));
    expect(messages.map((m) => m.id).sort()).toEqual(acks.map((a) => a.data.id).sort());
    expect(messages.map((m) => m.message).sort()).toEqual([...texts].sort());

    // Every socket in the room got every message exactly once.
    await until(() => received.every((r) => r.length >= 50), '50 deliveries to each socket');
    await eventArrives(guest.socket, 'message:received', 250);
    for (const r of received) {
      expect(r).toHaveLength(50);
      expect(r.map((m) => m.seq).sort((a, b) => a - b)).toEqual(range(50));
    }
  });

  it('numbers each conversation on its own when several are written at once', async () => {
    const guests = await Promise.all(range(4).map(() => guestSession(server)));
    const acks = await Promise.all(
      guests.flatMap((g) => range(10).map((i) => call(g.socket, 'message:send', { conversationId: g.conversationId, message: `m${i}` }))),
    );
    expect(acks.every((a) => a.success === true)).toBe(true);
    for (const g of guests) {
      const { messages } = await history(server, g.conversationId, { guestId: g.guestId });
      expect(messages.map((m) => m.seq)).toEqual(range(10));
      expect(messages.every((m) => m.guestId === g.guestId)).toBe(true);
    }
  });
});

describe('idempotent retries with clientMessageId', () => {
  async function setup() {
    const guest = await guestSession(server);
    const agent = await adminSession(server);
    await join(agent.socket, guest.conversationId);
    return {
      guest,
      agent,
      toGuest: collect<{ id: string }>(guest.socket, 'message:received'),
      toAgent: collect<{ id: string }>(agent.socket, 'message:received'),
      inbox: collect<{ message: { id: string } }>(agent.socket, 'conversation:new_message'),
    };
  }

  it('stores a send retried 5 times in a row once, returning the same message each time and broadcasting once', async () => {
    const { guest, agent, toGuest, toAgent, inbox } = await setup();
    const clientMessageId = randomUUID();
    const acks = [];
    for (let i = 0; i < 5; i++) {
      acks.push(await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'only once', clientMessageId }));
    }
    expect(acks.every((a) => a.success === true)).toBe(true);
    const first = acks[0].data;
    expect(first).toMatchObject({ seq: 1, message: 'only once', clientMessageId, guestId: guest.guestId });
    for (const a of acks) expect(a.data).toEqual(first);

    await until(() => toAgent.length > 0 && inbox.length > 0, 'the broadcast');
    await eventArrives(agent.socket, 'message:received', 250);
    expect(toGuest).toEqual([first]);
    expect(toAgent).toEqual([first]);
    expect(inbox).toEqual([{ conversationId: guest.conversationId, message: first }]);

    const { messages, pagination } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(pagination.total).toBe(1);
    expect(messages).toEqual([first]);

    // A retry carrying different text still answers with what was stored, and stores nothing.
    const changed = await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'edited', clientMessageId });
    expect(changed.data).toEqual(first);
    // A new clientMessageId is a new message, numbered after the first.
    const next = await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'second', clientMessageId: randomUUID() });
    expect(next.data.seq).toBe(2);
    expect((await history(server, guest.conversationId, { guestId: guest.guestId })).pagination.total).toBe(2);
  });

  it('stores 5 concurrent sends with the same clientMessageId once, from one socket or several', async () => {
    const { guest, agent, toGuest, toAgent, inbox } = await setup();
    const otherTab = (await server.connect({ guestId: guest.guestId })).socket;
    const toOtherTab = collect<{ id: string }>(otherTab, 'message:received');
    const clientMessageId = randomUUID();
    const payload = { conversationId: guest.conversationId, message: 'retry storm', clientMessageId };

    const acks = await Promise.all([
      call(guest.socket, 'message:send', payload),
      call(guest.socket, 'message:send', payload),
      call(guest.socket, 'message:send', payload),
      call(otherTab, 'message:send', payload),
      call(otherTab, 'message:send', payload),
    ]);
    expect(acks.every((a) => a.success === true)).toBe(true);
    const stored = acks[0].data;
    expect(stored).toMatchObject({ seq: 1, message: 'retry storm', clientMessageId });
    for (const a of acks) expect(a.data).toEqual(stored);

    await until(() => toAgent.length > 0 && inbox.length > 0 && toGuest.length > 0 && toOtherTab.length > 0, 'the broadcast');
    await eventArrives(agent.socket, 'message:received', 250);
    expect(toAgent).toEqual([stored]);
    expect(toGuest).toEqual([stored]);
    expect(toOtherTab).toEqual([stored]);
    expect(inbox).toHaveLength(1);

    const { messages, pagination } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(pagination.total).toBe(1);
    expect(messages).toEqual([stored]);
  });

  it('keeps seq gap-free when retries and new messages race', async () => {
    const { guest } = await setup();
    const ids = range(5).map(() => randomUUID());
    // Each of 5 messages sent 4 times at once: 20 sends, 5 messages.
    const acks = await Promise.all(
      ids.flatMap((clientMessageId, i) =>
        range(4).map(() => call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: `m${i}`, clientMessageId })),
      ),
    );
    expect(acks.every((a) => a.success === true)).toBe(true);
    for (const [i, clientMessageId] of ids.entries()) {
      const mine = acks.filter((a) => a.data.clientMessageId === clientMessageId);
      expect(mine).toHaveLength(4);
      expect(new Set(mine.map((a) => a.data.id)).size).toBe(1);
      expect(mine[0]!.data.message).toBe(`m${i}`);
    }
    const { messages, pagination } = await history(server, guest.conversationId, { guestId: guest.guestId });
    expect(pagination.total).toBe(5);
    expect(messages.map((m) => m.seq)).toEqual(range(5));
    expect(new Set(messages.map((m) => m.clientMessageId))).toEqual(new Set(ids));
  });
});
