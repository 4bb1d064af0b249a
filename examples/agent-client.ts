/**
 * An internal agent tool in a few lines: list the inbox, watch a conversation live, reply,
 * and close it, with the tRPC client and `@support-chat/client` (here from its source; another
 * repository installs the package and imports '@support-chat/client'): `AppRouter` for the
 * types, and the client core's message store to keep the conversation in order.
 *
 *   TOKEN=$(npm run -s token -- --role admin) npx tsx examples/agent-client.ts
 */
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { MessageStore, type AppRouter } from '../client/src/index.js';

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
  // 2. Take it, load its newest page, and watch it live (resumable: the client reconnects with
  // the last seq it saw). The store shows each message once, in seq order, and says when one is
  // missing, so the gap is fetched with `after`.
  await api.inbox.assign.mutate({ conversationId: first.id });
  const store = new MessageStore(first.id);
  store.addNewest(await api.messages.list.query({ conversationId: first.id, limit: 30 }));
  const catchUp = async () => {
    for (let more = store.hasGap; more; ) {
      const page = await api.messages.list.query({ conversationId: first.id, after: store.syncedSeq, limit: 100 });
      store.addSynced(page);
      more = store.hasGap && page.messages.length > 0;
    }
  };
  const watch = api.live.conversation.subscribe(
    { conversationId: first.id },
    {
      onData: (event) => {
        const data = 'data' in event ? event.data : event;
        if (data.type === 'message' && store.add(data.message) === 'added') {
          console.log(`#${data.message.seq} ${data.message.senderType}: ${data.message.message}`);
          if (store.hasGap) void catchUp();
        }
        if (data.type === 'read') store.markRead(data.messageId);
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
