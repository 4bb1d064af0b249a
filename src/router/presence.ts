import { anyAgentOnline, listAgents, recordHeartbeat } from '../db/presence.js';
import { personName } from './notes.schema.js';
import { HeartbeatInput, PRESENCE_WINDOW_SECONDS } from './presence.schema.js';
import { adminProcedure, identityKey, publicProcedure, rateLimited, router } from './trpc.js';

/**
 * Which agents are here. Each open console sends a heartbeat (`online`, or `away` when hidden
 * or idle); the row lives in the database, so every replica answers the same.
 */
export const presenceRouter = router({
  heartbeat: adminProcedure
    .use(rateLimited('HEARTBEATS_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)))
    .input(HeartbeatInput)
    .mutation(async ({ ctx, input }) => {
      await recordHeartbeat(ctx.db, ctx.principal.id, input.state);
      return { state: input.state };
    }),

  /** Every agent who has signed in, online ones first: the assignment picker. */
  agents: adminProcedure.query(async ({ ctx }) => {
    const rank = { online: 0, away: 1, offline: 2 } as const;
    const agents = (await listAgents(ctx.db, PRESENCE_WINDOW_SECONDS)).map((row) => ({
      adminId: row.id,
      name: personName(row),
      email: row.email,
      state: row.state ?? ('offline' as const),
      lastSeenAt: row.seen_at?.toISOString() ?? null,
    }));
    return { agents: agents.sort((a, b) => rank[a.state] - rank[b.state]) };
  }),

  /** Public: whether anyone is online to answer, for the widget's header. */
  status: publicProcedure.query(async ({ ctx }) => ({ agentsOnline: await anyAgentOnline(ctx.db, PRESENCE_WINDOW_SECONDS) })),
});
