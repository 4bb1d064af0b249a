import type { Handle } from './acks.js';
import { rooms } from './events.js';
import type { SupportSocket } from './server.js';

/** message:send and message:read. */
export function registerMessageHandlers(socket: SupportSocket, handle: Handle): void {
  const { caller } = socket.data;

  handle(
    socket,
    'message:send',
    (payload) => caller.messages.send(payload as never),
    // A socket that sends into a conversation follows it from then on.
    (message) => socket.join(rooms.conversation(message.conversationId))
  );

  handle(socket, 'message:read', (payload) => caller.messages.markRead(payload as never));
}
