import { callerOf, field, type Listen, type Listeners } from './acks.js';
import { rooms } from './events.js';

/** conversation:join / leave / sync and typing:start / stop. */
export function conversationListeners(listen: Listen): Listeners {
  return [
    listen(
      'conversation:join',
      (socket, payload) => callerOf(socket).conversations.join(payload as never),
      (socket, { conversationId }) => {
        socket.join(rooms.conversation(conversationId));
        socket.emit('conversation:joined', { conversationId });
      },
    ),
    listen(
      'conversation:leave',
      (socket, payload) => callerOf(socket).conversations.leave(payload as never),
      (socket, { conversationId }) => {
        socket.leave(rooms.conversation(conversationId));
        socket.emit('conversation:left', { conversationId });
      },
    ),
    // Catch-up after a reconnect: the same procedure as REST history, from a seq onwards.
    listen('conversation:sync', (socket, payload) => callerOf(socket).messages.sync(payload as never)),
    ...([['typing:start', true], ['typing:stop', false]] as const).map(([event, isTyping]) =>
      listen(event, (socket, payload) =>
        callerOf(socket).conversations.typing({ conversationId: field(payload, 'conversationId'), isTyping } as never),
      ),
    ),
  ];
}
