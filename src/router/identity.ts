import { recordGuest } from '../db/guests.js';
import type { Context, Principal } from './context.js';
import type { Identity } from './conversations.schema.js';
import { identityKey, publicProcedure, router } from './trpc.js';

/** The caller's principal, or a freshly issued guest when they brought none we accept. */
export async function principalOrNewGuest(ctx: Context): Promise<Principal> {
  if (ctx.principal) return ctx.principal;
  await ctx.limits.consume('GUESTS_PER_ADDRESS', ctx.clientAddress ?? 'unknown');
  const id = ctx.guestIds.mint();
  await recordGuest(ctx.db, id);
  return { type: 'guest', id };
}

export function toIdentity(principal: Principal): Identity {
  switch (principal.type) {
    case 'user':
      return { type: 'user', userId: principal.id };
    case 'admin':
      return { type: 'admin', adminId: principal.id };
    case 'guest':
      return { type: 'guest', guestId: principal.id };
  }
}

export const identityRouter = router({
  /** Who the connection is: the documented `connection:success` payload. */
  connect: publicProcedure.mutation(async ({ ctx }) => {
    const principal = await principalOrNewGuest(ctx);
    await ctx.limits.consume('CONNECTIONS_PER_IDENTITY', identityKey(principal));
    return toIdentity(principal);
  }),
});
