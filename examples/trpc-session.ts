/**
 * The client core over tRPC, as the agents' console can run it: a ConversationTransport made of
 * procedures, and `live.conversation` (Server-Sent Events) as what the transport hears. The
 * widget runs the same ConversationSession over Socket.IO (widget/src/transport.ts).
 */
import { TRPCClientError, type TRPCClient } from '@trpc/client';
import { ConversationEndedError, ConversationSession, type AppRouter, type ConversationTransport, type Message } from '../client/src/index.js';

type Api = TRPCClient<AppRouter>;

/** Closed, or no longer visible to this caller: the session then stops sending there. */
const ended = (error: unknown) =>
  error instanceof TRPCClientError && (error.data?.code === 'NOT_FOUND' || error.message === 'Conversation is closed')
    ? new ConversationEndedError(error.message)
    : error;

const call = <T>(request: Promise<T>) => request.catch((error: unknown) => Promise.reject(ended(error)));

export function trpcTransport(api: Api): ConversationTransport {
  return {
    join: (conversationId) => call(api.conversations.join.mutate({ conversationId })),
    history: (conversationId, { limit, before }) => call(api.messages.list.query({ conversationId, limit, before })),
    sync: (conversationId, afterSeq, limit) => call(api.messages.sync.query({ conversationId, afterSeq, limit })),
    send: (input) => call(api.messages.send.mutate(input)),
    markRead: async (messageId) => void (await call(api.messages.markRead.mutate({ messageId }))),
    typing: async (conversationId, isTyping) => void (await call(api.conversations.typing.mutate({ conversationId, isTyping }))),
  };
}

/** One conversation for an agent: render `session.getState()`, call `close()` when it is put away. */
export function openConversation(api: Api, conversationId: string, ours: (m: Message) => boolean = (m) => m.senderType === 'admin') {
  const session = new ConversationSession({ transport: trpcTransport(api), ours, conversationId });
  let live = false;
  const feed = api.live.conversation.subscribe(
    { conversationId },
    {
      // 'pending' is an open stream; 'connecting' after it is a dropped one being retried.
      onConnectionStateChange: ({ state }) => {
        if (state === 'pending' && !live) session.connected();
        else if (state !== 'pending' && live) session.disconnected();
        live = state === 'pending';
      },
      onData: (event) => {
        const data = 'data' in event ? event.data : event;
        if (data.type === 'message') session.received(data.message);
        if (data.type === 'read') session.read(data.messageId);
        if (data.type === 'typing' && data.senderType !== 'admin') session.theirTyping(data.isTyping, data.senderType);
      },
    },
  );
  return {
    session,
    close() {
      feed.unsubscribe();
      session.dispose();
    },
  };
}
