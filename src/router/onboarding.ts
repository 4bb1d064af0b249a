import { TRPCError } from '@trpc/server';
import { burnLiveCodes, consumeAuthCode, insertAuthCode, linkAuthCodeMessage, type CodeOwner } from '../db/auth-codes.js';
import { findConversation, findNewestActiveConversation, getOrCreateConversation } from '../db/conversations.js';
import { recordGuest } from '../db/guests.js';
import type { ConversationRow } from '../db/schema.js';
import { ensureUser } from '../db/users.js';
import type { Context } from './context.js';
import { invalidInput } from './errors.js';
import { RateLimitedError } from './limits.js';
import { postServerMessage, storeServerMessage, tellServerMessage } from './messages.js';
import { GenerateCodeInput, VerifyCodeInput } from './onboarding.schema.js';
import { adminProcedure, publicProcedure, router } from './trpc.js';

/** The conversation the code is posted in: the one named, else the owner's newest open one. */
async function resolveTarget(ctx: Context, input: { userId?: string; guestId?: string; conversationId?: string }) {
  if (input.guestId !== undefined && !ctx.guestIds.verify(input.guestId)) throw invalidInput('guestId', 'Unknown guest id');
  if (input.conversationId) {
    const conversation = await findConversation(ctx.db, input.conversationId);
    if (!conversation) throw new TRPCError({ code: 'NOT_FOUND', message: 'Conversation not found' });
    if ((input.userId && conversation.user_id !== input.userId) || (input.guestId && conversation.guest_id !== input.guestId)) {
      throw invalidInput('conversationId', 'The conversation belongs to someone else');
    }
    return conversation;
  }
  const owner = input.userId ? { userId: input.userId } : { guestId: input.guestId! };
  if (owner.userId) await ensureUser(ctx.db, owner.userId);
  else await recordGuest(ctx.db, owner.guestId!);
  return (
    (await findNewestActiveConversation(ctx.db, owner)) ??
    (await getOrCreateConversation(ctx.db, owner, 'onboarding', null)).conversation
  );
}

const ownerOfConversation = (c: ConversationRow): CodeOwner => (c.user_id ? { userId: c.user_id } : { guestId: c.guest_id! });

/** Counts a failure without letting a limit reached by this very failure change its answer. */
async function spend(ctx: Context, ...args: Parameters<Context['limits']['consume']>): Promise<number> {
  try {
    return await ctx.limits.consume(...args);
  } catch (error) {
    if (error instanceof RateLimitedError) return 0;
    throw error;
  }
}

export const onboardingRouter = router({
  generateCode: adminProcedure.input(GenerateCodeInput).mutation(async ({ ctx, input }) => {
    const conversation = await resolveTarget(ctx, input);
    const owner = ownerOfConversation(conversation);
    let code: string;
    let stored: Awaited<ReturnType<typeof insertAuthCode>>;
    let draws = 0;
    do {
      if (++draws > 20) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Too many live codes, try again later' });
      code = ctx.authCodes.generate();
      const codeHash = ctx.authCodes.hash(code);
      stored = await insertAuthCode(ctx.db, {
        codeHash,
        codeSealed: ctx.authCodes.seal(code, codeHash),
        userId: 'userId' in owner ? owner.userId : null,
        guestId: 'guestId' in owner ? owner.guestId : null,
        conversationId: conversation.id,
        deviceInfo: input.deviceInfo,
        createdBy: ctx.principal.id,
        ttlSeconds: ctx.authCodes.ttlSeconds,
      });
    } while (!stored);

    const expiresAt = stored.expires_at.toISOString();
    // The stored message never holds the digits: they travel live to the owner's sockets, and
    // the owner's reads open the sealed copy through the link (see codes-for-owner.ts), which
    // is in place before anyone hears of the message.
    const message = await storeServerMessage(ctx, conversation, 'auth_code', `A verification code was sent. It expires at ${expiresAt}.`);
    await linkAuthCodeMessage(ctx.db, stored.id, message.id);
    tellServerMessage(ctx, conversation, message, code);
    return { code, expiresAt, conversationId: conversation.id };
  }),

  /**
   * Public. Every failure looks the same to the caller. Failures are counted per client
   * address, per named owner and across the service; five naming one owner burn that
   * owner's live codes.
   */
  verifyCode: publicProcedure.input(VerifyCodeInput).mutation(async ({ ctx, input }) => {
    const owner: CodeOwner | undefined = input.userId ? { userId: input.userId } : input.guestId ? { guestId: input.guestId } : undefined;
    if (!owner && ctx.authCodes.requireOwner) throw invalidInput('userId', 'Name the userId or guestId the code was sent to');
    const address = ctx.clientAddress ?? 'unknown';
    const ownerKey = owner && ('userId' in owner ? `user:${owner.userId}` : `guest:${owner.guestId}`);

    await ctx.limits.check('CODE_FAILURES_GLOBAL', 'all');
    await ctx.limits.check('CODE_FAILURES_PER_ADDRESS', address);
    if (ownerKey) await ctx.limits.check('CODE_FAILURES_PER_OWNER', ownerKey);

    const spent = await consumeAuthCode(ctx.db, ctx.authCodes.hash(input.code), owner);
    if (spent && ctx.authCodes.matches(input.code, spent.code_hash)) {
      const conversation = spent.conversation_id ? await findConversation(ctx.db, spent.conversation_id) : undefined;
      if (conversation) await postServerMessage(ctx, conversation, 'system', 'Code verified');
      return {
        verified: true as const,
        authCodeId: spent.id,
        userId: spent.user_id ?? undefined,
        guestId: spent.guest_id ?? undefined,
        conversationId: spent.conversation_id ?? undefined,
      };
    }

    await spend(ctx, 'CODE_FAILURES_GLOBAL', 'all');
    await spend(ctx, 'CODE_FAILURES_PER_ADDRESS', address);
    if (owner && ownerKey && (await spend(ctx, 'CODE_FAILURES_PER_OWNER', ownerKey)) === 0) await burnLiveCodes(ctx.db, owner);
    return { verified: false as const };
  }),
});
