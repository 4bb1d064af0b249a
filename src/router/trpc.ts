import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { findConversationPrepared as findConversation } from '../db/prepared.js';
import type { ConversationRow } from '../db/schema.js';
import { accessClock, accessOf, connectionStateOf, invalidateConversationAccess, type ConnectionState, type ConversationAccess } from './access.js';
import type { DomainEvents } from './events.js';
import type { Context, Principal } from './context.js';
import { reportError } from './errors.js';
import type { LimitName } from './limits.js';

// isDev off: error bodies never carry a stack trace, whatever NODE_ENV says.
const t = initTRPC.context<Context>().create({
  isDev: false,
  // tRPC clients see what REST clients see: the same message and status, never a raw
  // database or network error text from an unexpected failure.
  errorFormatter: ({ shape, error }) => {
    const report = reportError(error);
    return { ...shape, message: report.body.message, data: { ...shape.data, httpStatus: report.status, errors: report.body.errors } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/**
 * Any verified caller: user, admin or guest. `connection` is the state shared by every call
 * made through one context object (one socket's caller; one REST request): this first
 * middleware still sees the object the caller was created with, later ones see copies.
 */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.credentialProblem ?? 'Authentication required' });
  }
  return next({ ctx: { principal: ctx.principal, connection: connectionStateOf(ctx) } });
});

/**
 * authedProcedure for the hottest path (message:send): the same check, but the context
 * passes on unchanged (no copy), so `ctx` in the resolver is still the object the caller
 * was created with: `connectionStateOf(ctx)` finds the connection's state, `ctx.principal`
 * is known to be set.
 */
export const leanAuthedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.credentialProblem ?? 'Authentication required' });
  }
  return next();
});

export const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.principal.type !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Admin access required' });
  return next({ ctx: { principal: ctx.principal } });
});

/** Limit keys for a caller: who they are, and which connection they speak through. */
export const identityKey = (principal: Principal) => `${principal.type}:${principal.id}`;

/**
 * Spends one point of a limit for each call, keyed by what `key` picks from the context
 * (no key, no limit: a REST call has no connection). Past the budget the call fails with
 * TOO_MANY_REQUESTS before it does any work.
 */
export function rateLimited(name: LimitName, key: (ctx: Context) => string | undefined) {
  return t.middleware(async ({ ctx, next }) => {
    const value = key(ctx);
    if (value !== undefined) await ctx.limits.consume(name, value);
    return next();
  });
}

/** Owners see their own conversations; admins see all. */
export function canSee(principal: Principal, conversation: Pick<ConversationRow, 'user_id' | 'guest_id'>): boolean {
  return canAccess(principal, { userId: conversation.user_id, guestId: conversation.guest_id });
}

/** The customer's side of a conversation is its owner; everyone else (agents, system) is the other. */
export function isConversationOwner(principal: Principal, c: Pick<ConversationRow, 'user_id' | 'guest_id'>): boolean {
  return principal.type === 'guest' ? c.guest_id === principal.id : c.user_id === principal.id;
}

export function canAccess(principal: Principal, owner: Pick<ConversationAccess, 'userId' | 'guestId'>): boolean {
  switch (principal.type) {
    case 'admin':
      return true;
    case 'user':
      return owner.userId === principal.id;
    case 'guest':
      return owner.guestId === principal.id;
  }
}

export const conversationNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Conversation not found' });

/**
 * Loads the conversation named by `conversationId`. One the caller may not see answers
 * exactly like one that does not exist, so ids cannot be probed. What the load proved is
 * remembered for the connection (see conversationAccessProcedure): `conversation:join`
 * goes through here.
 */
export const conversationProcedure = authedProcedure
  .input(z.object({ conversationId: z.uuid() }))
  .use(async ({ ctx, input, next }) => {
    const since = accessClock();
    const conversation = await findConversation(ctx.db, input.conversationId);
    if (!conversation || !canSee(ctx.principal, conversation)) {
      ctx.connection.access.forget(input.conversationId);
      throw conversationNotFound();
    }
    ctx.connection.access.remember(accessOf(conversation), since);
    return next({ ctx: { conversation } });
  });

/**
 * The caller's right to a conversation, for calls that need only that and not its current
 * row (sending): answered from what an earlier call on the same connection proved (a
 * join), else looked up once and remembered. A cached `closed` is looked up again (nothing
 * is refused on stale data); a cached `open` is not, because the write itself checks the
 * status under the conversation's lock. Entries expire, and invalidateConversationAccess
 * drops them.
 */
export async function conversationAccess(
  ctx: Pick<Context, 'db' | 'events' | 'feed'> & { principal: Principal; connection: ConnectionState },
  conversationId: string,
): Promise<ConversationAccess> {
  invalidateOnChanges(ctx.events);
  invalidateOnChanges(ctx.feed);
  const cache = ctx.connection.access;
  const cached = cache.get(conversationId);
  if (cached && cached.status !== 'closed' && canAccess(ctx.principal, cached)) return cached;
  const since = accessClock();
  const conversation = await findConversation(ctx.db, conversationId);
  if (!conversation || !canSee(ctx.principal, conversation)) {
    cache.forget(conversationId);
    throw conversationNotFound();
  }
  const access = accessOf(conversation);
  cache.remember(access, since);
  return access;
}

/**
 * The invalidation hook: a committed change to a conversation (status, assignee, priority:
 * `conversation.updated`, from this process or, through the feed, from any replica) drops
 * every connection's cached proof for it, so the next call looks again.
 */
const wired = new WeakSet<DomainEvents>();
function invalidateOnChanges(events: DomainEvents | undefined): void {
  if (!events || wired.has(events)) return;
  wired.add(events);
  events.on('conversation.updated', ({ conversation }) => invalidateConversationAccess(conversation.id));
}

/** An admin acting on one conversation: loaded after the admin check, so others get 403, not 404. */
export const adminConversationProcedure = adminProcedure.input(z.object({ conversationId: z.uuid() })).use(async ({ ctx, input, next }) => {
  const conversation = await findConversation(ctx.db, input.conversationId);
  if (!conversation) throw conversationNotFound();
  return next({ ctx: { conversation } });
});

/** conversationAccess as a procedure base: `ctx.access`. */
export const conversationAccessProcedure = authedProcedure
  .input(z.object({ conversationId: z.uuid() }))
  .use(async ({ ctx, input, next }) => next({ ctx: { access: await conversationAccess(ctx, input.conversationId) } }));
