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
import { exampleIds } from '../router/examples.js';
import { ListMessagesInput, MessagesPageSchema } from '../router/messages.schema.js';
import { GeneratedCodeSchema, GenerateCodeInput, VerifiedCodeSchema, VerifyCodeInput } from '../router/onboarding.schema.js';
import { agentRoutes } from './agent-routes.js';
import { callRoutes } from './call-routes.js';
import { webhookRoutes } from './webhook-routes.js';
import { dataRequestRoutes } from './data-request-routes.js';
import { emailRoutes } from './email-routes.js';
import { attachmentRoutes } from './attachment-routes.js';
import { schemaCollector } from './json-schema.js';
import type { RestRoute, RestState } from './route.js';

/** The spec's answer to every failed code check, whatever the reason: one constant, byte for byte. */
export const INVALID_CODE = { success: false, message: 'Invalid or expired code' } as const;

const conversationId = { id: 'conversationId' };
const announcesChange = 'A real change posts a system message in the conversation and sends the `conversation:updated` socket event.';

export const supportRoutes: RestRoute[] = [
  {
    method: 'get',
    path: '/conversation',
    tag: 'Conversations',
    summary: 'Get or create the caller’s open conversation of a type',
    description: 'Answers the open (or pending) conversation of that type, starting one when there is none.',
    access: 'signed-in',
    input: GetOrCreateInput,
    output: ConversationSchema,
    call: (caller, input) => caller.conversations.getOrCreate(input),
  },
  {
    method: 'post',
    path: '/conversation/guest',
    tag: 'Conversations',
    summary: 'Get or create a guest’s open conversation, issuing a guest id when needed',
    description:
      'Without X-Guest-Id (or `guestId` in the body) a new guest id is issued. Keep it: it is the guest’s only credential, for REST (X-Guest-Id) and sockets (auth `{guestId}`).',
    access: 'anyone',
    input: StartAsGuestInput,
    output: z
      .object({
        conversation: ConversationSchema,
        guestId: z.string().meta({ description: 'The guest id: send it as X-Guest-Id (REST) or auth {guestId} (sockets) from now on', examples: [exampleIds.guest] }),
      })
      .describe('The guest’s conversation and guest id'),
    call: (caller, input) => caller.conversations.startAsGuest(input),
  },
  {
    method: 'get',
    path: '/conversation/:id/messages',
    tag: 'Messages',
    summary: 'Message history: newest page first, or by seq cursor (before / after)',
    description: 'Give at most one of `page`, `before` and `after`. Seqs have no gaps, so a client that saw seq n catches up with `after=n`.',
    access: 'owner or admin',
    input: ListMessagesInput,
    params: conversationId,
    output: MessagesPageSchema,
    call: (caller, input) => caller.messages.list(input),
  },
  {
    method: 'get',
    path: '/conversation/:id',
    tag: 'Conversations',
    summary: 'Conversation details with its people and recent messages',
    access: 'owner or admin',
    params: conversationId,
    output: ConversationDetailsSchema,
    call: (caller, input) => caller.conversations.details(input),
  },
  {
    method: 'post',
    path: '/onboarding/generate-code',
    tag: 'Onboarding',
    summary: 'Generate a six-digit onboarding code and send it to its owner live',
    description: 'The code is posted in the conversation as an `auth_code` message: its owner sees the digits live, everyone else a notice without them.',
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
    tag: 'Onboarding',
    summary: 'Spend an onboarding code',
    description:
      'Every failed check answers 200 with `{"success": false, "message": "Invalid or expired code"}`, whatever the reason. Failures are counted per address, per owner and in all; five naming one owner void that owner’s live codes.',
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
    tag: 'Inbox',
    summary: 'The agents’ inbox: filter, search, and page by cursor (newest activity first)',
    access: 'admin',
    input: InboxListInput,
    output: InboxPageSchema,
    call: (caller, input) => caller.inbox.list(input),
  },
  {
    method: 'get',
    path: '/admin/conversations/counts',
    tag: 'Inbox',
    summary: 'Counts per status and per assignee bucket, for the inbox sidebar',
    access: 'admin',
    output: InboxCountsSchema,
    call: (caller) => caller.inbox.counts(),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/assign',
    tag: 'Inbox',
    summary: 'Assign to an admin (default: the caller)',
    description: announcesChange,
    access: 'admin',
    input: AssignInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.assign(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/unassign',
    tag: 'Inbox',
    summary: 'Remove the assignee',
    description: announcesChange,
    access: 'admin',
    input: UnassignInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.unassign(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/status',
    tag: 'Inbox',
    summary: 'Change the status (open, pending, closed)',
    description: announcesChange,
    access: 'admin',
    input: SetStatusInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.setStatus(input),
  },
  {
    method: 'post',
    path: '/admin/conversations/:id/priority',
    tag: 'Inbox',
    summary: 'Change the priority (low, normal, high, urgent)',
    description: announcesChange,
    access: 'admin',
    input: SetPriorityInput,
    params: conversationId,
    output: ConversationSchema,
    call: (caller, input) => caller.inbox.setPriority(input),
  },
  ...attachmentRoutes,
  ...agentRoutes,
  ...webhookRoutes,
  ...dataRequestRoutes,
  ...emailRoutes,
  ...callRoutes,
];

/**
 * A query string carries only text, where the procedure's schema wants JSON types: the digits
 * of a field its input documents as an integer become that number, `true` / `false` of a
 * boolean one that boolean (anything else stays text, for the schema to refuse). Bodies are
 * JSON and pass untouched.
 */
function queryReader(route: RestRoute): (query: Record<string, unknown>) => Record<string, unknown> {
  const properties = route.input ? (schemaCollector().toJson(route.input, 'input').properties ?? {}) : {};
  const typed = (type: string) => new Set(Object.entries(properties).filter(([, schema]) => (schema as { type?: unknown }).type === type).map(([name]) => name));
  const integers = typed('integer');
  const booleans = typed('boolean');
  if (integers.size === 0 && booleans.size === 0) return (query) => query;
  const read = (name: string, value: unknown) => {
    if (typeof value !== 'string') return value;
    if (integers.has(name) && /^-?\d{1,16}$/.test(value)) return Number(value);
    if (booleans.has(name) && (value === 'true' || value === 'false')) return value === 'true';
    return value;
  };
  return (query) => Object.fromEntries(Object.entries(query).map(([name, value]) => [name, read(name, value)]));
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
