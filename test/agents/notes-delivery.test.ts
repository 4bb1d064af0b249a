import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { collectSubscription, trpcClient } from '../support/trpc-client.js';
import { call, until } from '../realtime/helpers.js';

/**
 * A note reaches agents live and never the customer: not the owner's sockets (room or personal
 * room), not their SSE feed, not history or sync; and the customer's seq stays gap-free.
 */
let server: TestServer;
let admin: { id: string; token: string };
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(() => server.close());

describe('notes in flight', () => {
  it('go to agents’ sockets and feeds; the guest’s sockets and feed hear nothing of them', async () => {
    const start = await request(server, '/api/support/conversation/guest', { body: {} });
    const { guestId, conversation } = start.body.data;
    const conversationId = conversation.id as string;
    const { socket: guest } = await server.connect({ guestId });
    const { socket: guestTab } = await server.connect({ guestId }); // personal room only
    expect(await call(guest, 'conversation:join', { conversationId })).toMatchObject({ success: true });
    const { socket: agentSocket } = await server.connect({ token: admin.token });
    const heardByGuest: [string, unknown][] = [];
    for (const s of [guest, guestTab]) s.onAny((event, payload) => heardByGuest.push([event, payload]));
    const notesHeard: any[] = [];
    agentSocket.on('note:changed', (payload) => notesHeard.push(payload));

    const agent = trpcClient(server.url, { token: admin.token });
    const agentFeed = collectSubscription((onData) => agent.live.conversation.subscribe({ conversationId }, { onData }));
    const inboxFeed = collectSubscription((onData) => agent.live.inbox.subscribe({}, { onData }));
    const guestFeed = collectSubscription((onData) => trpcClient(server.url, { guestId }).live.conversation.subscribe({ conversationId }, { onData }));
    await Promise.all([agentFeed, guestFeed].map((f) => f.until((seen) => seen.some((e) => e.type === 'conversation'))));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the inbox stream is open

    await call(guest, 'message:send', { conversationId, message: 'hello' });
    const note = await agent.notes.create.mutate({ conversationId, text: 'PRIVATE-NOTE customer is upset' });
    await agent.notes.update.mutate({ noteId: note.id, text: 'PRIVATE-NOTE-EDITED' });
    await call(agentSocket, 'message:send', { conversationId, message: 'we are on it' });
    await agent.notes.delete.mutate({ noteId: note.id });
    await call(guest, 'message:send', { conversationId, message: 'thanks' });

    await until(() => notesHeard.length === 3, 'three note events on the agent socket');
    expect(notesHeard.map((n) => n.change)).toEqual(['created', 'updated', 'deleted']);
    expect(notesHeard[0].note).toMatchObject({ id: note.id, conversationId, authorName: 'Ann', text: 'PRIVATE-NOTE customer is upset' });
    await agentFeed.until((seen) => seen.filter((e) => e.type === 'note').length === 3);
    await inboxFeed.until((seen) => seen.filter((e) => e.data?.type === 'note').length === 3);
    await guestFeed.until((seen) => seen.filter((e) => e.data?.type === 'message').length === 3);
    await new Promise((resolve) => setTimeout(resolve, 300)); // anything still in flight lands

    for (const heard of [JSON.stringify(heardByGuest), JSON.stringify(guestFeed.seen)]) {
      expect(heard).toContain('thanks');
      expect(heard).not.toContain('PRIVATE-NOTE');
      expect(heard).not.toContain(note.id);
    }
    expect(heardByGuest.map(([event]) => event)).not.toContain('note:changed');
    const seqs = guestFeed.seen.filter((e) => e.data?.type === 'message').map((e) => e.data.message.seq);
    expect(seqs).toEqual([1, 2, 3]);
    const history = await request(server, `/api/support/conversation/${conversationId}/messages`, { guestId });
    expect(history.body.data.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
    // A reconnect's catch-up in the join, on the socket and over tRPC (no room there: just the page).
    const { socket: back } = await server.connect({ guestId });
    const rejoined = await call(back, 'conversation:join', { conversationId, afterSeq: 0 });
    const overTrpc = await trpcClient(server.url, { guestId }).conversations.join.mutate({ conversationId, afterSeq: 0 });
    for (const page of [rejoined.data, overTrpc]) {
      expect(page.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
      expect(JSON.stringify(page)).not.toContain('PRIVATE-NOTE');
    }
    for (const f of [agentFeed, inboxFeed, guestFeed]) f.unsubscribe();
  });
});
