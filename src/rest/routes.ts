import Router from '@koa/router';
import type { createCaller } from '../router/index.js';

type Caller = ReturnType<typeof createCaller>;
export interface RestState {
  caller: Caller;
  /** What the route answered; the envelope middleware wraps it. */
  result?: unknown;
  status?: number;
}

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

  return router;
}
