import { callerOf, field, type Listen, type Listeners } from './acks.js';
import { rooms } from './events.js';

/** conversation:join / leave / sync and typing:start / stop. */
export function conversationListeners(listen: Listen): Listeners {
  return [
    listen(
      'conversation:join',
      // The procedure has the socket join the room (the context's `follow`), before its catch-up page.
      (socket, payload) => callerOf(socket).conversations.join(payload as never),
      (socket, { conversationId }) => socket.emit('conversation:joined', { conversationId }),
    ),
    listen(
      'conversation:leave',
      (socket, payload) => callerOf(socket).conversations.leave(payload as never),
      (socket, { conversationId }) => {
        socket.leave(rooms.conversation(conversationId));
        socket.emit('conversation:left', { conversationId });
      },
    ),
    // Catch-up past the join's page, or after a gap seen live: the same procedure as REST history.
    listen('conversation:sync', (socket, payload) => callerOf(socket).messages.sync(payload as never)),
    ...([['typing:start', true], ['typing:stop', false]] as const).map(([event, isTyping]) =>
      listen(event, (socket, payload) =>
        callerOf(socket).conversations.typing({ conversationId: field(payload, 'conversationId'), isTyping } as never),
      ),
    ),
  ];
}
