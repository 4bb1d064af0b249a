import Router from '@koa/router';
import { z } from 'zod';
import {
  ConversationDetailsSchema,
  ConversationSchema,
  GetOrCreateInput,
  StartAsGuestInput,
} from '../router/conversations.schema.js';
import {
  AssignInput,
  InboxCountsSchema,
  InboxListInput,
  InboxPageSchema,
  SetPriorityInput,
  SetStatusInput,
  UnassignInput,
} from '../router/inbox.schema.js';
import type { createCaller } from '../router/index.js';
import { ListMessagesInput, MessagesPageSchema } from '../router/messages.schema.js';
import { GeneratedCodeSchema, GenerateCodeInput, VerifiedCodeSchema, VerifyCodeInput } from '../router/onboarding.schema.js';
import { jsonSchema } from './json-schema.js';

type Caller = ReturnType<typeof createCaller>;
export interface RestState {
  caller: Caller;
  /** What the route answered; the envelope middleware wraps it as `{success: true, data}`. */
  result?: unknown;
  status?: number;
  /** The envelope's optional `message`, where the spec shows one. */
  message?: string;
  /** A complete body that is not a success envelope (the spec's failed code check). */
  body?: unknown;
}

/** The spec's answer to every failed code check, whatever the reason: one constant, byte for byte. */
export const INVALID_CODE = { success: false, message: 'Invalid or expired code' } as const;

export type Access = 'anyone' | 'signed-in' | 'owner or admin' | 'admin';

/**
 * One REST path: which procedure it calls and how, and what the OpenAPI document says of it.
 * HTTP input is untyped (`as never` hands it over unchecked): the procedure's own schema is
 * what validates it, once for every transport.
 */
export interface RestRoute {
  method: 'get' | 'post';
  path: string;
  summary: string;
  access: Access;
  /** The procedure's input schema; path parameters fill the fields named in `params`. */
  input?: z.ZodType;
  params?: Record<string, string>;
  /** The `data` of the success envelope. */
  output: z.ZodType;
  status?: number;
  message?: string;
  call(caller: Caller, input: never, state: RestState): Promise<unknown>;
}

const conversationId = { id: 'conversationId' };

export const supportRoutes: RestRoute[] = [
  {
    method: 'get',
    path: '/conversation',
    summary: 'Get or create the caller’s open conversation of a type',
    access: 'signed-in',
    input: GetOrCreateInput,
    output: ConversationSchema,
    call: (caller, input) => caller.conversations.getOrCreate(input),
  },
  {
    method: 'post',
    path: '/conversation/guest',
    summary: 'Get or create a guest’s open conversation, issuing a guest id when needed',
    access: 'anyone',
    input: StartAsGuestInput,
    output: z.object({ conversation: ConversationSchema, guestId: z.string() }),
    call: (caller, input) => caller.conversations.startAsGuest(input),
  },
  {
    method: 'get',
    path: '/conversation/:id/messages',
    summary: 'Message history: newest page first, or by seq cursor (before / after)',
    access: 'owner or admin',
    input: ListMessagesInput,
    params: conversationId,
    output: MessagesPageSchema,
    call: (caller, input) => caller.messages.list(input),
  },
  {
    method: 'get',
    path: '/conversation/:id',
    summary: 'Conversation details with its people and recent messages',
    access: 'owner or admin',
    params: conversationId,
    output: ConversationDetailsSchema,
    call: (caller, input) => caller.conversations.details(input),
  },
  {
    method: 'post',
    path: '/onboarding/generate-code',
    summary: 'Generate a six-digit onboarding code and send it to its owner live',
    access: 'admin',
    input: GenerateCodeInput,
    output: GeneratedCodeSchema,
    status: 201,
    message: 'Auth code generated successfully',
    call: (caller, input) => caller.onboarding.generateCode(input),
  },
  {
    method: 'post',
    path: '/onboarding/verify-code',
    summary: 'Spend an onboarding code; every failure answers {"success": false, "message": "Invalid or expired code"}',
    access: 'anyone',
    input: VerifyCodeInput,
    output: VerifiedCodeSchema,
    message: 'Code verified successfully',
    async call(caller, input, state) {
      const { verified, ...data } = await caller.onboarding.verifyCode(input);
      if (!verified) state.body = INVALID_CODE;
      return data;
    },
  },
  {
    method: 'get',
    path: '/admin/conversations',
    summary: 'The agents’ inbox: filter, search, and page by cursor (newest activity first)',
    access: 'admin',
    input: InboxListInput,
    output: InboxPageSchema,
    call: (caller, input) => caller.inbox.list(input),
  },
  {
    method: 'get',
    path: '/admin/conversations/counts',
    summary: 'Counts per status and per assignee bucket, for the inbox sidebar',
    access: 'admin',
    output: InboxCountsSchema,
    call: (caller) => caller.inbox.counts(),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/assign',
    summary: 'Assign to an admin (default: the caller)',
    access: 'admin',
    input: AssignInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.assign(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/unassign',
    summary: 'Remove the assignee',
    access: 'admin',
    input: UnassignInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.unassign(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/status',
    summary: 'Change the status (open, pending, closed)',
    access: 'admin',
    input: SetStatusInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.setStatus(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/priority',
    summary: 'Change the priority (low, normal, high, urgent)',
    access: 'admin',
    input: SetPriorityInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.setPriority(input),
  },
];

/**
 * A query string carries only text, where the procedure's schema wants JSON types: the digits
 * of a field its input documents as an integer become that number (anything else stays text,
 * for the schema to refuse). Bodies are JSON and pass untouched.
 */
function queryReader(route: RestRoute): (query: Record<string, unknown>) => Record<string, unknown> {
  const properties = route.input ? (jsonSchema(route.input, 'input').properties ?? {}) : {};
  const integers = new Set(Object.entries(properties).filter(([, schema]) => (schema as { type?: unknown }).type === 'integer').map(([name]) => name));
  if (integers.size === 0) return (query) => query;
  return (query) =>
    Object.fromEntries(
      Object.entries(query).map(([name, value]) => [name, integers.has(name) && typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value]),
    );
}

/** Mounts the route table under /api/support. */
export function createSupportRoutes(routes: RestRoute[] = supportRoutes): Router<RestState> {
  const router = new Router<RestState>({ prefix: '/api/support' });
  for (const route of routes) {
    const readQuery = queryReader(route);
    router[route.method](route.path, async (ctx) => {
      const source = route.method === 'get' ? readQuery(ctx.query) : ctx.request.body;
      const fromPath = Object.fromEntries(Object.entries(route.params ?? {}).map(([param, field]) => [field, ctx.params[param]]));
      // A body that is not an object (an array, a string) goes through as is, for the schema to refuse.
      const isObject = typeof source === 'object' && source !== null && !Array.isArray(source);
      const input = isObject ? { ...source, ...fromPath } : source === undefined ? fromPath : source;
      const data = await route.call(ctx.state.caller, input as never, ctx.state);
      if (ctx.state.body !== undefined) return;
      ctx.state.result = data;
      ctx.state.status = route.status;
      ctx.state.message = route.message;
    });
  }
  return router;
}
