import { TRPCError } from '@trpc/server';
import { hashConfirmationToken } from '../auth/confirmation-tokens.js';
import { agentEmailPreference, setAgentEmailsWanted } from '../db/agent-emails.js';
import { confirmGuestEmail, setGuestEmail, unsubscribeAddress } from '../db/email-follow-ups.js';
import type { Context } from './context.js';
import { AgentEmailPreferencesInput, ConfirmEmailInput, GuestEmailInput, UnsubscribeInput } from './email.schema.js';
import { adminProcedure, authedProcedure, identityKey, publicProcedure, rateLimited, router } from './trpc.js';

/** What an agent's email preference page shows: their choice, and whether it can take effect. */
async function agentPreferences(ctx: Context, adminId: string) {
  return { ...(await agentEmailPreference(ctx.db, adminId)), emailEnabled: ctx.emailEnabled };
}

/**
 * Follow-up emails: a guest gives an address and confirms it from the link mailed to it;
 * anyone holding an email's link unsubscribes it; an agent turns off the emails they get
 * while away.
 */
export const emailRouter = router({
  setGuestEmail: authedProcedure
    .use(rateLimited('EMAIL_CHANGES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)))
    .input(GuestEmailInput)
    .mutation(async ({ ctx, input }) => {
      if (ctx.principal.type !== 'guest') {
        throw new TRPCError({ code: 'FORBIDDEN', message: 'Only guests set an email here: a signed-in user’s comes from their account' });
      }
      await setGuestEmail(ctx.db, ctx.principal.id, input.email);
      return { email: input.email };
    }),

  confirmGuestEmail: publicProcedure.input(ConfirmEmailInput).mutation(async ({ ctx, input }) => {
    if (!(await confirmGuestEmail(ctx.db, hashConfirmationToken(input.token)))) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: 'This confirmation link is not valid (any more)' });
    }
    return { confirmed: true as const };
  }),

  unsubscribe: publicProcedure.input(UnsubscribeInput).mutation(async ({ ctx, input }) => {
    const address = ctx.unsubscribeTokens.read(input.token);
    if (!address) throw new TRPCError({ code: 'BAD_REQUEST', message: 'This unsubscribe link is not valid' });
    await unsubscribeAddress(ctx.db, address);
    return { unsubscribed: true as const };
  }),

  agentPreferences: adminProcedure.query(({ ctx }) => agentPreferences(ctx, ctx.principal.id)),

  setAgentPreferences: adminProcedure
    .use(rateLimited('EMAIL_CHANGES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)))
    .input(AgentEmailPreferencesInput)
    .mutation(async ({ ctx, input }) => {
      await setAgentEmailsWanted(ctx.db, ctx.principal.id, input.emailWhenAway);
      return agentPreferences(ctx, ctx.principal.id);
    }),
});
