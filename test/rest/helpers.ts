import { expect } from 'vitest';
import type { Socket } from 'socket.io-client';
import { person, request, type Reply, type TestServer } from '../support/server.js';

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Who {
  token?: string;
  guestId?: string;
}

/** Emits with an acknowledgement, failing instead of hanging when none comes back. */
export function call(socket: Socket, event: string, payload: unknown): Promise<any> {
  return socket.timeout(5_000).emitWithAck(event, payload);
}

/** Sends `count` messages one after another ("<prefix> 1" … "<prefix> count"), returning the stored messages. */
export async function seedMessages(socket: Socket, conversationId: string, count: number, prefix = 'msg') {
  const stored: Record<string, any>[] = [];
  for (let i = 1; i <= count; i++) {
    const ack = await call(socket, 'message:send', { conversationId, message: `${prefix} ${i}` });
    expect(ack, `seeding message ${i}`).toMatchObject({ success: true });
    stored.push(ack.data);
  }
  return stored;
}

/** A user with their general conversation, created over REST. */
export async function userWithConversation(server: TestServer, claims: Record<string, unknown> = {}) {
  const user = await person('user', claims);
  const reply = await request(server, '/api/support/conversation', { token: user.token });
  expect(reply.status).toBe(200);
  return { ...user, conversationId: reply.body.data.id as string };
}

/** A guest with their general conversation, created over REST. */
export async function guestWithConversation(server: TestServer) {
  const reply = await request(server, '/api/support/conversation/guest', { body: { type: 'general' } });
  expect(reply.status).toBe(200);
  return { guestId: reply.body.data.guestId as string, conversationId: reply.body.data.conversation.id as string };
}

/** The exact bytes of an answer, for "indistinguishable from a conversation that does not exist". */
export async function rawRequest(
  server: TestServer,
  path: string,
  init: Who & { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.guestId) headers['x-guest-id'] = init.guestId;
  if (init.body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(server.url + path, { method: init.method ?? 'GET', headers, body: init.body });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** A tRPC query over HTTP GET, input as URL-encoded JSON (no transformer). */
export function trpcQuery(server: TestServer, procedure: string, input: unknown, who: Who & { headers?: Record<string, string> } = {}) {
  return request(server, `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, who);
}

/** A tRPC mutation over HTTP POST with a JSON body. */
export function trpcMutation(server: TestServer, procedure: string, input: unknown, who: Who & { headers?: Record<string, string> } = {}) {
  return request(server, `/trpc/${procedure}`, { ...who, method: 'POST', body: input });
}

/** Asserts the spec's failure envelope with the given status. */
export function expectFailure(reply: Reply, status: number, message?: string | RegExp): void {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.body).toMatchObject({ success: false, message: expect.any(String) });
  if (message !== undefined) expect(reply.body.message).toMatch(message);
}

/** Asserts a 400 whose errors[] names `field`. */
export function expectFieldError(reply: Reply, field: string): void {
  expectFailure(reply, 400);
  expect(Array.isArray(reply.body.errors), JSON.stringify(reply.body)).toBe(true);
  expect(reply.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  for (const e of reply.body.errors) expect(e).toEqual({ field: expect.any(String), message: expect.any(String) });
}

export const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

export interface RouteCall {
  method: string;
  path: string;
  body?: unknown;
}

/**
 * Every route answers an admin, refuses a user and a guest with 403 and nobody with 401, and
 * no refusal shows anything matching `hidden`.
 */
export async function expectAdminsOnly(server: TestServer, routes: RouteCall[], who: { admin: Who; user: Who; guest: Who }, hidden: RegExp): Promise<void> {
  const refusals: [string, Who, number][] = [
    ['user', who.user, 403],
    ['guest', who.guest, 403],
    ['nobody', {}, 401],
  ];
  for (const route of routes) {
    for (const [name, credentials, status] of refusals) {
      const refused = await request(server, route.path, { method: route.method, ...credentials, ...(route.body !== undefined && { body: route.body }) });
      expect(refused.status, `${name} ${route.method} ${route.path}`).toBe(status);
      expect(JSON.stringify(refused.body)).not.toMatch(hidden);
    }
    const ok = await request(server, route.path, { method: route.method, ...who.admin, ...(route.body !== undefined && { body: route.body }) });
    expect([200, 201, 202], `admin ${route.method} ${route.path}: ${JSON.stringify(ok.body)}`).toContain(ok.status);
    expect(ok.body.success).toBe(true);
  }
}
