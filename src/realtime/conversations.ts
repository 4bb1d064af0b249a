import { field, type Handle } from './acks.js';
import { rooms } from './events.js';
import type { SupportSocket } from './server.js';

/** conversation:join / leave / sync and typing:start / stop. */
export function registerConversationHandlers(socket: SupportSocket, handle: Handle): void {
  const { caller } = socket.data;

  handle(
    socket,
    'conversation:join',
    (payload) => caller.conversations.join(payload as never),
    ({ conversationId }) => {
      socket.join(rooms.conversation(conversationId));
      socket.emit('conversation:joined', { conversationId });
    }
  );

  handle(
    socket,
    'conversation:leave',
    (payload) => caller.conversations.leave(payload as never),
    ({ conversationId }) => {
      socket.leave(rooms.conversation(conversationId));
      socket.emit('conversation:left', { conversationId });
    }
  );

  // Catch-up after a reconnect: the same procedure as REST history, from a seq onwards.
  handle(
    socket,
    'conversation:sync',
    (payload) =>
      caller.messages.list({
        conversationId: field(payload, 'conversationId'),
        after: field(payload, 'afterSeq') ?? 0,
        limit: field(payload, 'limit') ?? 100,
      } as never),
    undefined
  );

  for (const [event, isTyping] of [['typing:start', true], ['typing:stop', false]] as const) {
    handle(
      socket,
      event,
      (payload) => caller.conversations.typing({ conversationId: field(payload, 'conversationId'), isTyping } as never),
    );
  }
}
