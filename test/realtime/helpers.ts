import { expect } from 'vitest';
import type { Socket } from 'socket.io-client';
import { person, request, type TestServer } from '../support/server.js';

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const GUEST_ID = /^guest_\d{13}_[0-9a-f]+$/;

/** The exact key set of a message on every transport: the spec's fields plus `seq` and `clientMessageId`. */
export const MESSAGE_KEYS = [
  'clientMessageId',
  'conversationId',
  'createdAt',
  'guestId',
  'id',
  'isRead',
  'message',
  'messageType',
  'senderId',
  'senderType',
  'seq',
].sort();

/** Emits with an acknowledgement, failing instead of hanging when none comes back. */
export function call(socket: Socket, event: string, ...args: unknown[]): Promise<any> {
  return socket.timeout(5_000).emitWithAck(event, ...args);
}

/** Records every payload of one event on a socket from now on. */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const seen: T[] = [];
  socket.on(event, (payload: T) => seen.push(payload));
  return seen;
}

/** Polls until the condition holds (events arriving), failing after a timeout. */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A guest with an open conversation (REST) and a connected socket. */
export async function guestSession(server: TestServer) {
  const reply = await request(server, '/api/support/conversation/guest', { body: { type: 'general' } });
  expect(reply.status).toBe(200);
  const guestId = reply.body.data.guestId as string;
  const conversationId = reply.body.data.conversation.id as string;
  const { socket, identity } = await server.connect({ guestId });
  expect(identity).toEqual({ type: 'guest', guestId });
  return { guestId, conversationId, socket };
}

/** A user with an open conversation (REST) and a connected socket. */
export async function userSession(server: TestServer) {
  const user = await person('user');
  const reply = await request(server, '/api/support/conversation', { token: user.token });
  expect(reply.status).toBe(200);
  const { socket } = await server.connect({ token: user.token });
  return { ...user, conversationId: reply.body.data.id as string, socket };
}

/** An admin with a connected socket. */
export async function adminSession(server: TestServer, claims: Record<string, unknown> = {}) {
  const admin = await person('admin', claims);
  const { socket, identity } = await server.connect({ token: admin.token });
  expect(identity).toEqual({ type: 'admin', adminId: admin.id });
  return { ...admin, socket };
}

/** Joins a conversation room and checks both the acknowledgement and `conversation:joined`. */
export async function join(socket: Socket, conversationId: string): Promise<void> {
  const joined: unknown[] = [];
  const onJoined = (payload: unknown) => joined.push(payload);
  socket.on('conversation:joined', onJoined);
  try {
    const ack = await call(socket, 'conversation:join', { conversationId });
    expect(ack.success).toBe(true);
    expect(ack.data.conversationId).toBe(conversationId);
    // conversation:joined is emitted before the acknowledgement on the same socket.
    expect(joined).toEqual([{ conversationId }]);
  } finally {
    socket.off('conversation:joined', onJoined);
  }
}

/** Sends a message and returns the stored message from a successful acknowledgement. */
export async function send(socket: Socket, conversationId: string, message: string, extra: Record<string, unknown> = {}) {
  const ack = await call(socket, 'message:send', { conversationId, message, ...extra });
  expect(ack, `send "${message.slice(0, 40)}"`).toMatchObject({ success: true });
  return ack.data as Record<string, any>;
}

/** A message's history as a given caller sees it over REST. */
export async function history(
  server: TestServer,
  conversationId: string,
  who: { token?: string; guestId?: string },
  query = 'limit=100',
) {
  const reply = await request(server, `/api/support/conversation/${conversationId}/messages?${query}`, who);
  expect(reply.status).toBe(200);
  return reply.body.data as { messages: Record<string, any>[]; pagination: Record<string, any> };
}
