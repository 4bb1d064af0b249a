import Router from '@koa/router';
import type { createCaller } from '../router/index.js';

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

/**
 * The documented paths, each a procedure call. HTTP input is untyped (`as never` hands it
 * over unchecked): the procedure's schema is what validates it, once for every transport.
 */
export function createSupportRoutes(): Router<RestState> {
  const router = new Router<RestState>({ prefix: '/api/support' });

  router.get('/conversation', async (ctx) => {
    ctx.state.result = await ctx.state.caller.conversations.getOrCreate({ type: ctx.query.type as never });
  });

  router.post('/conversation/guest', async (ctx) => {
    ctx.state.result = await ctx.state.caller.conversations.startAsGuest(ctx.request.body as never);
  });

  router.get('/conversation/:id/messages', async (ctx) => {
    const { page, limit, before, after } = ctx.query;
    ctx.state.result = await ctx.state.caller.messages.list({
      conversationId: ctx.params.id,
      page,
      limit,
      before,
      after,
    } as never);
  });

  router.get('/conversation/:id', async (ctx) => {
    ctx.state.result = await ctx.state.caller.conversations.details({ conversationId: ctx.params.id } as never);
  });

  router.post('/onboarding/generate-code', async (ctx) => {
    ctx.state.result = await ctx.state.caller.onboarding.generateCode(ctx.request.body as never);
    ctx.state.status = 201;
    ctx.state.message = 'Auth code generated successfully';
  });

  router.post('/onboarding/verify-code', async (ctx) => {
    const { verified, ...data } = await ctx.state.caller.onboarding.verifyCode(ctx.request.body as never);
    if (!verified) ctx.state.body = INVALID_CODE;
    else {
      ctx.state.result = data;
      ctx.state.message = 'Code verified successfully';
    }
  });

  return router;
}
