import { handle } from './acks.js';
import { rooms } from './events.js';
import type { SupportSocket } from './server.js';

/** message:send and message:read. */
export function registerMessageHandlers(socket: SupportSocket, onUnexpected?: (error: unknown) => void): void {
  const { caller } = socket.data;

  handle(
    socket,
    'message:send',
    (payload) => caller.messages.send(payload as never),
    // A socket that sends into a conversation follows it from then on.
    (message) => socket.join(rooms.conversation(message.conversationId)),
    onUnexpected,
  );

  handle(socket, 'message:read', (payload) => caller.messages.markRead(payload as never), undefined, onUnexpected);
}
