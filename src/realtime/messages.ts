import { callerOf, type Listen, type Listeners } from './acks.js';
import { rooms } from './events.js';

/** message:send and message:read. */
export function messageListeners(listen: Listen): Listeners {
  return [
    listen(
      'message:send',
      (socket, payload) => callerOf(socket).messages.send(payload as never),
      // A socket that sends into a conversation follows it from then on.
      (socket, message) => socket.join(rooms.conversation(message.conversationId)),
    ),
    listen('message:read', (socket, payload) => callerOf(socket).messages.markRead(payload as never)),
  ];
}
