import { TRPCError } from '@trpc/server';
import { findConversation } from '../db/conversations.js';
import { findMessage, listMessagesBySeq, markMessageRead, storeMessage } from '../db/messages.js';
import type { ConversationRow, MessageRow } from '../db/schema.js';
import type { Context, Principal } from './context.js';
import { ListMessagesInput, MarkReadInput, SendMessageInput, toMessage, type Message } from './messages.schema.js';
import { authedProcedure, canSee, conversationNotFound, conversationProcedure, identityKey, rateLimited, router } from './trpc.js';

/** The customer's side of a conversation is its owner; everyone else (agents, system) is the other. */
function isOwner(principal: Principal, c: ConversationRow): boolean {
  return principal.type === 'guest' ? c.guest_id === principal.id : c.user_id === principal.id;
}

function sentByOwner(m: MessageRow, c: ConversationRow): boolean {
  if (m.sender_type === 'guest') return m.guest_id !== null && m.guest_id === c.guest_id;
  if (m.sender_type === 'user') return m.sender_id !== null && m.sender_id === c.user_id;
  return false;
}

const ownerOf = (c: ConversationRow) => ({ userId: c.user_id, guestId: c.guest_id });

/**
 * Writes a message from the server itself (`system` or `auth_code`) and tells everyone,
 * like any other message. `ownerText` replaces the text for the owner's eyes only.
 */
export async function postServerMessage(
  ctx: Pick<Context, 'db' | 'events'>,
  conversation: ConversationRow,
  messageType: 'system' | 'auth_code',
  text: string,
  ownerText?: string,
): Promise<Message> {
  const stored = await storeMessage(ctx.db, {
    conversationId: conversation.id,
    senderType: 'system',
    senderId: null,
    guestId: null,
    message: text,
    messageType,
    clientMessageId: null,
    claimAdminId: null,
  });
  if (!stored) throw conversationNotFound();
  const message = toMessage(stored.message);
  const ownerView = ownerText === undefined ? undefined : { ...message, message: ownerText };
  ctx.events.emit('message.created', { message, owner: ownerOf(conversation), ownerView });
  return message;
}

export const messagesRouter = router({
  send: conversationProcedure
    .use(rateLimited('MESSAGES_PER_CONNECTION', (ctx) => ctx.connectionId))
    .use(rateLimited('MESSAGES_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined)))
    .input(SendMessageInput)
    .mutation(async ({ ctx, input }) => {
    const { conversation, principal } = ctx;
    if (conversation.status === 'closed') throw new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' });
    const stored = await storeMessage(ctx.db, {
      conversationId: conversation.id,
      senderType: principal.type,
      senderId: principal.type === 'guest' ? null : principal.id,
      guestId: principal.type === 'guest' ? principal.id : null,
      message: input.message,
      messageType: input.messageType,
      clientMessageId: input.clientMessageId ?? null,
      claimAdminId: principal.type === 'admin' && !isOwner(principal, conversation) ? principal.id : null,
    });
    if (!stored) throw conversationNotFound();
    const message = toMessage(stored.message);
    // A retried send returns the stored message; everyone was told the first time.
    if (stored.created) ctx.events.emit('message.created', { message, owner: ownerOf(conversation), origin: ctx.connectionId });
    return message;
  }),

  /** REST 3 and `conversation:sync`. Seq is gap-free, so every page is a seq range. */
  list: conversationProcedure.input(ListMessagesInput).query(async ({ ctx, input }) => {
    const total = ctx.conversation.last_seq;
    const { limit } = input;
    let from: number;
    let to: number;
    if (input.after !== undefined) {
      from = input.after + 1;
      to = Math.min(total, input.after + limit);
    } else {
      to = input.before !== undefined ? Math.min(total, input.before - 1) : total - limit * ((input.page ?? 1) - 1);
      from = Math.max(1, to - limit + 1);
    }
    const rows = to >= from ? await listMessagesBySeq(ctx.db, ctx.conversation.id, from, to) : [];
    const hasMore = input.after !== undefined ? to < total : from > 1 && to >= from;
    return {
      messages: rows.map(toMessage),
      pagination: { total, page: input.page ?? 1, limit, totalPages: Math.ceil(total / limit), hasMore },
    };
  }),

  /** Marks a message read by the other side; reading your own side's message changes nothing. */
  markRead: authedProcedure.input(MarkReadInput).mutation(async ({ ctx, input }) => {
    const message = await findMessage(ctx.db, input.messageId);
    const conversation = message && (await findConversation(ctx.db, message.conversation_id));
    if (!message || !conversation || !canSee(ctx.principal, conversation)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Message not found' });
    }
    const readerIsOwner = isOwner(ctx.principal, conversation);
    let isRead = message.is_read;
    if (readerIsOwner !== sentByOwner(message, conversation) && (await markMessageRead(ctx.db, message.id))) {
      isRead = true;
      ctx.events.emit('message.read', {
        messageId: message.id,
        conversationId: conversation.id,
        owner: ownerOf(conversation),
        origin: ctx.connectionId,
      });
    }
    return { messageId: message.id, conversationId: conversation.id, isRead };
  }),
});
