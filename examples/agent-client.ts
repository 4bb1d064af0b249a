/**
 * An internal agent tool in a few lines: list the inbox, watch a conversation live, reply,
 * and close it, with nothing but `AppRouter` and the tRPC client.
 *
 *   TOKEN=$(npm run -s token -- --role admin) npx tsx examples/agent-client.ts
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../src/router/index.js';

const url = process.env.SUPPORT_URL ?? 'http://localhost:3001/trpc';
const authorization = `Bearer ${process.env.TOKEN ?? ''}`;

const api = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      // Subscriptions travel over Server-Sent Events; the EventSource ponyfill carries the token.
      true: httpSubscriptionLink({
        url,
        EventSource,
        eventSourceOptions: { fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, authorization } }) },
      }),
      false: httpLink({ url, headers: { authorization } }),
    }),
  ],
});

// 1. The inbox: open conversations nobody has taken yet, newest activity first.
const { conversations } = await api.inbox.list.query({ status: 'open', assignee: 'none', limit: 10 });
const counts = await api.inbox.counts.query();
console.log(`${counts.active.unassigned} unassigned; showing ${conversations.length}`);
for (const c of conversations) {
  console.log(`${c.id}  ${c.customer.name ?? c.customer.id}  unread ${c.unreadCount}  "${c.lastMessage?.message ?? ''}"`);
}

const first = conversations[0];
if (first) {
  // 2. Take it and watch it live (resumable: the client reconnects with the last seq it saw).
  await api.inbox.assign.mutate({ conversationId: first.id });
  const watch = api.live.conversation.subscribe(
    { conversationId: first.id },
    {
      onData: (event) => {
        const data = 'data' in event ? event.data : event;
        if (data.type === 'message') console.log(`#${data.message.seq} ${data.message.senderType}: ${data.message.message}`);
        if (data.type === 'typing' && data.isTyping) console.log(`${data.senderType} is typing…`);
      },
    },
  );

  // 3. Reply (a retry with the same clientMessageId would not store a second copy)...
  await api.messages.send.mutate({ conversationId: first.id, message: 'Hi! I am looking into it now.', clientMessageId: crypto.randomUUID() });

  // 4. ...and close it.
  const closed = await api.inbox.setStatus.mutate({ conversationId: first.id, status: 'closed' });
  console.log(`conversation ${closed.id} is ${closed.status}`);
  watch.unsubscribe();
}
