import { expect } from 'vitest';
import { call, guestWithConversation } from '../rest/helpers.js';
import { request, type TestServer } from '../support/server.js';

/** A guest who asked, gave an address and left (their socket closed), unless told to stay. */
export async function guestWho(server: TestServer, address: string, options: { stay?: boolean } = {}) {
  const guest = await guestWithConversation(server);
  const { socket } = await server.connect({ guestId: guest.guestId });
  await call(socket, 'message:send', { conversationId: guest.conversationId, message: 'Where is my order?' });
  const saved = await request(server, '/api/support/guest/email', { guestId: guest.guestId, body: { email: address } });
  expect(saved.status, JSON.stringify(saved.body)).toBe(200);
  if (!options.stay) socket.disconnect();
  return { ...guest, socket };
}

/** An agent's replies, sent over a socket that closes afterwards. */
export async function reply(server: TestServer, agentToken: string, conversationId: string, texts: string[]) {
  const { socket } = await server.connect({ token: agentToken });
  for (const message of texts) expect(await call(socket, 'message:send', { conversationId, message })).toMatchObject({ success: true });
  socket.disconnect();
}
