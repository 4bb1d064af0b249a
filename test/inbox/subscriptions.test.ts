import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFrom } from '../../src/rest/credentials.js';
import { createContext } from '../../src/router/context.js';
import { createCaller } from '../../src/router/index.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { collectSubscription as collect, trpcClient } from '../support/trpc-client.js';

let server: TestServer;
let admin: { id: string; token: string };
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(() => server.close());

const agentClient = (baseUrl: string, token: string) => trpcClient(baseUrl, { token });

async function guestConversation() {
  const { guestId, conversation } = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
  const { socket } = await server.connect({ guestId });
  return { guestId, conversationId: conversation.id as string, socket };
}

describe('tRPC subscriptions over SSE', () => {
  it('follows a conversation: a socket message, a REST status change, typing', async () => {
    const guest = await guestConversation();
    const client = agentClient(server.url, admin.token);
    const feed = collect((onData) => client.live.conversation.subscribe({ conversationId: guest.conversationId }, { onData }));
    await feed.until((s) => s.some((e) => e.type === 'conversation'));

    const sent = await guest.socket.emitWithAck('message:send', { conversationId: guest.conversationId, message: 'over the socket' });
    await feed.until((s) => s.some((e) => e.data?.type === 'message' && e.data.message.id === sent.data.id));
    const tracked = feed.seen.find((e) => e.data?.message?.id === sent.data.id);
    expect(tracked.id).toBe(String(sent.data.seq)); // tracked by seq

    guest.socket.emit('typing:start', { conversationId: guest.conversationId });
    await feed.until((s) => s.some((e) => e.type === 'typing' && e.isTyping && e.senderType === 'guest'));

    const closed = await request(server, `/api/support/admin/conversations/${guest.conversationId}/status`, { token: admin.token, body: { status: 'pending' } });
    expect(closed.status).toBe(200);
    await feed.until((s) => s.some((e) => e.type === 'conversation' && e.change === 'status' && e.conversation.status === 'pending'));
    await feed.until((s) => s.some((e) => e.data?.message?.message === 'Status changed to pending'));
    feed.unsubscribe();
  });

  it('resumes from its last event id after the connection drops, without loss or repeats', async () => {
    const guest = await guestConversation();
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(server.url).port));
    await proxy.start();
    try {
      const client = agentClient(`http://127.0.0.1:${proxy.port}`, admin.token);
      const feed = collect((onData) => client.live.conversation.subscribe({ conversationId: guest.conversationId }, { onData }));
      await feed.until((s) => s.some((e) => e.type === 'conversation'));
      const send = (text: string) => guest.socket.emitWithAck('message:send', { conversationId: guest.conversationId, message: text });
      for (const text of ['one', 'two']) await send(text);
      await feed.until((s) => s.filter((e) => e.data?.type === 'message').length === 2);

      await proxy.stop(); // the SSE connection dies
      for (const text of ['three', 'four', 'five']) await send(text);
      await proxy.start(); // the client reconnects with lastEventId = 2
      await feed.until((s) => s.filter((e) => e.data?.type === 'message').length >= 5, 20_000);

      const texts = feed.seen.filter((e) => e.data?.type === 'message').map((e) => e.data.message.message);
      expect(texts).toEqual(['one', 'two', 'three', 'four', 'five']);
      feed.unsubscribe();
    } finally {
      await proxy.stop();
    }
  });

  it('gathers a busy inbox into one event per batchMs, in order, and resumes batched from its last event id', async () => {
    const guest = await guestConversation();
    const proxy = new TcpProxy('127.0.0.1', Number(new URL(server.url).port));
    await proxy.start();
    try {
      const client = agentClient(`http://127.0.0.1:${proxy.port}`, admin.token);
      const feed = collect((onData) => client.live.inbox.subscribe({ batchMs: 300 }, { onData }));
      await new Promise((resolve) => setTimeout(resolve, 300)); // the stream is open
      const send = (text: string) => guest.socket.emitWithAck('message:send', { conversationId: guest.conversationId, message: text });
      const texts = (events: any[]) => events.flatMap((e) => (e.data.type === 'batch' ? e.data.events : [e.data])).filter((e: any) => e.type === 'message').map((e: any) => e.message.message);
      for (const text of ['one', 'two', 'three']) await send(text);
      await feed.until((s) => texts(s).length === 3);
      // Three sends within one window: one SSE event, every change in it, in order.
      expect(feed.seen).toHaveLength(1);
      expect(feed.seen[0].data.type).toBe('batch');
      expect(texts(feed.seen)).toEqual(['one', 'two', 'three']);

      await proxy.stop(); // the SSE connection dies
      for (const text of ['four', 'five']) await send(text);
      await proxy.start(); // the client reconnects with the batch's last event id
      await feed.until((s) => texts(s).length >= 5, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(texts(feed.seen)).toEqual(['one', 'two', 'three', 'four', 'five']);
      feed.unsubscribe();
    } finally {
      await proxy.stop();
    }
    // Over SSE a refused input arrives as the stream's error event, naming the field.
    const refused = await request(server, `/trpc/live.inbox?input=${encodeURIComponent(JSON.stringify({ batchMs: 5000 }))}`, { token: admin.token });
    expect(refused.body).toContain('"field":"batchMs"');
  });

  it('hands every agent on the replica the same batch object, for the SSE writer to serialise once', async () => {
    const guest = await guestConversation();
    const stop = new AbortController();
    const feedOf = async (token: string) => {
      const context = await createContext(server.app.services, credentialsFrom({ authorization: `Bearer ${token}` }), { clientAddress: '127.0.0.1' });
      return (await createCaller(context, { signal: stop.signal }).live.inbox({ batchMs: 100 }))[Symbol.asyncIterator]();
    };
    const [ann, bob] = await Promise.all([feedOf(admin.token), person('admin').then((other) => feedOf(other.token))]);
    const next = Promise.all([ann.next(), bob.next()]);
    await guest.socket.emitWithAck('message:send', { conversationId: guest.conversationId, message: 'one for all' });
    const [forAnn, forBob] = (await next).map((result) => (result.value as unknown as [string, { events: { type: string; message?: { message: string } }[] }])[1]);
    expect(forAnn).toBe(forBob);
    expect(forAnn!.events.find((e) => e.type === 'message')?.message?.message).toBe('one for all');
    stop.abort();
    await Promise.all([ann.return?.(), bob.return?.()]);
  });

  it('gives agents one feed of every conversation, and refuses it to others', async () => {
    const client = agentClient(server.url, admin.token);
    const feed = collect((onData) => client.live.inbox.subscribe({}, { onData }));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the stream is open
    const a = await guestConversation();
    const b = await guestConversation();
    await a.socket.emitWithAck('message:send', { conversationId: a.conversationId, message: 'from a' });
    await b.socket.emitWithAck('message:send', { conversationId: b.conversationId, message: 'from b' });
    await feed.until((s) => ['from a', 'from b'].every((t) => s.some((e) => e.data?.message?.message === t)));
    expect(feed.seen.every((e) => typeof e.id === 'string')).toBe(true);
    feed.unsubscribe();

    // Over SSE the refusal arrives as the stream's error event (HTTP has already said 200).
    const refusal = async (procedure: string, input: unknown, token: string) => {
      const response = await fetch(`${server.url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      });
      const reader = response.body!.getReader();
      let text = '';
      while (!/"code":"\w+"|\b(FORBIDDEN|NOT_FOUND)\b/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      await reader.cancel();
      return text;
    };
    const user = await person('user');
    expect(await refusal('live.inbox', {}, user.token)).toContain('FORBIDDEN');
    const stranger = await refusal('live.conversation', { conversationId: a.conversationId }, user.token);
    expect(stranger).toContain('NOT_FOUND');
    expect(stranger).not.toContain('from a');
  });
});
