import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { getOrCreateConversation, listConversationsOf, type Owner } from '../db/conversations.js';
import { guestEmailOf, recordGuest } from '../db/guests.js';
import { listMessagesBySeq } from '../db/messages.js';
import { findProfiles } from '../db/users.js';
import type { Principal } from './context.js';
import {
  GetOrCreateInput,
  JoinInput,
  StartAsGuestInput,
  toConversation,
  TypingInput,
} from './conversations.schema.js';
import { pageOfMessages } from './message-pages.js';
import { presentMessages } from './present-messages.js';
import { principalOrNewGuest } from './identity.js';
import { toMessage } from './messages.schema.js';
import { adminConversationProcedure, authedProcedure, conversationProcedure, identityKey, publicProcedure, rateLimited, router } from './trpc.js';

const RECENT_MESSAGES = 50;
const CUSTOMER_CONVERSATIONS = 50;

function ownerOf(principal: Principal): Owner {
  return principal.type === 'guest' ? { guestId: principal.id } : { userId: principal.id };
}

export const conversationsRouter = router({
  /** REST 1: the caller's open conversation of a type, created when there is none. */
  getOrCreate: authedProcedure.input(GetOrCreateInput).mutation(async ({ ctx, input }) => {
    if (ctx.principal.type === 'guest') await recordGuest(ctx.db, ctx.principal.id);
    const { conversation } = await getOrCreateConversation(ctx.db, ownerOf(ctx.principal), input.type, null);
    return toConversation(conversation);
  }),

  /** REST 2: the same for anonymous visitors, issuing a guest id when they have none. */
  startAsGuest: publicProcedure.input(StartAsGuestInput).mutation(async ({ ctx, input }) => {
    const principal = ctx.principal?.type === 'guest' ? ctx.principal : await principalOrNewGuest({ ...ctx, principal: null });
    await recordGuest(ctx.db, principal.id);
    const { conversation } = await getOrCreateConversation(ctx.db, { guestId: principal.id }, input.type, input.subject ?? null);
    return { conversation: toConversation(conversation), guestId: principal.id };
  }),

  /** REST 4: the conversation with its people and its most recent messages. */
  details: conversationProcedure.query(async ({ ctx }) => {
    const c = ctx.conversation;
    const [profiles, recent, guestEmail] = await Promise.all([
      findProfiles(ctx.db, [c.user_id, c.admin_id].filter((id): id is string => id !== null)),
      listMessagesBySeq(ctx.db, c.id, Math.max(1, c.last_seq - RECENT_MESSAGES + 1), c.last_seq),
      c.guest_id ? guestEmailOf(ctx.db, c.guest_id) : null,
    ]);
    const profile = (id: string | null) => {
      const p = profiles.find((row) => row.id === id);
      return p ? { id: p.id, email: p.email, firstName: p.first_name, lastName: p.last_name } : null;
    };
    const messages = await presentMessages(ctx, c, recent.map(toMessage));
    return { ...toConversation(c), user: profile(c.user_id), admin: profile(c.admin_id), guestEmail: guestEmail?.email ?? null, guestEmailConfirmed: guestEmail?.confirmed ?? null, messages };
  }),

  /** The agents' customer panel: this conversation's customer and their conversations, newest first. */
  ofCustomer: adminConversationProcedure.query(async ({ ctx }) => {
    const c = ctx.conversation;
    const owner: Owner = c.user_id !== null ? { userId: c.user_id } : { guestId: c.guest_id! };
    return { conversations: (await listConversationsOf(ctx.db, owner, CUSTOMER_CONVERSATIONS)).map(toConversation) };
  }),

  /**
   * Proves the caller may watch the conversation and has the transport subscribe it. With
   * afterSeq the answer carries the first page after it: read only once the connection
   * follows the live stream, so whatever is committed meanwhile is in the page, live, or
   * both (the client keeps one copy by seq), never in neither. A reconnect catches up in one
   * round trip.
   */
  join: conversationProcedure.input(JoinInput).mutation(async ({ ctx, input }) => {
    const c = ctx.conversation;
    await ctx.follow?.(c.id);
    if (input.afterSeq === undefined) return { conversationId: c.id, lastSeq: c.last_seq };
    const missed = await pageOfMessages(ctx, { conversationId: c.id, after: input.afterSeq, limit: input.limit });
    return { conversationId: c.id, lastSeq: missed.pagination.total, ...missed };
  }),

  leave: authedProcedure
    .input(z.object({ conversationId: z.uuid() }))
    .mutation(({ input }) => ({ conversationId: input.conversationId })),

  typing: conversationProcedure
    .use(rateLimited('TYPING_PER_CONNECTION', (ctx) => ctx.connectionId))
    .use(rateLimited('TYPING_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)))
    .input(TypingInput)
    .mutation(({ ctx, input }) => {
    if (ctx.conversation.status === 'closed') throw new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' });
    ctx.events.emit('typing', {
      conversationId: ctx.conversation.id,
      senderId: ctx.principal.id,
      senderType: ctx.principal.type,
      isTyping: input.isTyping,
      origin: ctx.connectionId,
    });
    return { conversationId: ctx.conversation.id };
  }),
});
