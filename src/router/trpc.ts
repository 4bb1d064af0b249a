import { initTRPC, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { findConversation } from '../db/conversations.js';
import type { ConversationRow } from '../db/schema.js';
import type { Context, Principal } from './context.js';
import type { LimitName } from './limits.js';

// isDev off: error bodies never carry a stack trace, whatever NODE_ENV says.
const t = initTRPC.context<Context>().create({ isDev: false });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure;

/** Any verified caller: user, admin or guest. */
export const authedProcedure = t.procedure.use(({ ctx, next }) => {
  if (!ctx.principal) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.credentialProblem ?? 'Authentication required' });
  }
  return next({ ctx: { principal: ctx.principal } });
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
  switch (principal.type) {
    case 'admin':
      return true;
    case 'user':
      return conversation.user_id === principal.id;
    case 'guest':
      return conversation.guest_id === principal.id;
  }
}

export const conversationNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Conversation not found' });

/**
 * Loads the conversation named by `conversationId`. One the caller may not see answers
 * exactly like one that does not exist, so ids cannot be probed.
 */
export const conversationProcedure = authedProcedure
  .input(z.object({ conversationId: z.uuid() }))
  .use(async ({ ctx, input, next }) => {
    const conversation = await findConversation(ctx.db, input.conversationId);
    if (!conversation || !canSee(ctx.principal, conversation)) throw conversationNotFound();
    return next({ ctx: { conversation } });
  });
