import { TRPCError } from '@trpc/server';
import { findConversation } from '../db/conversations.js';
import { advanceReadPosition } from '../db/inbox.js';
import { AttachmentsUnavailableError, storeFileMessage } from '../db/attachments.js';
import { findMessage, markMessageRead, storeMessage, writeMessage, type MessageToStore } from '../db/messages.js';
import type { ConversationRow, MessageRow } from '../db/schema.js';
import type { ConversationAccess } from './access.js';
import type { Context, Principal } from './context.js';
import { ListMessagesInput, MarkReadInput, SendMessageInput, SyncMessagesInput, toMessage, type Message } from './messages.schema.js';
import {
  authedProcedure,
  canSee,
  conversationAccess,
  conversationNotFound,
  conversationProcedure,
  identityKey,
  isConversationOwner,
  leanAuthedProcedure,
  router,
} from './trpc.js';
import { connectionStateOf } from './access.js';
import { invalidInput } from './errors.js';
import { withAttachments } from './present-messages.js';
import { pageOfMessages } from './message-pages.js';

function ownsAccess(principal: Principal, a: ConversationAccess): boolean {
  return principal.type === 'guest' ? a.guestId === principal.id : a.userId === principal.id;
}

const conversationClosed = () => new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' });

function sentByOwner(m: MessageRow, c: ConversationRow): boolean {
  if (m.sender_type === 'guest') return m.guest_id !== null && m.guest_id === c.guest_id;
  if (m.sender_type === 'user') return m.sender_id !== null && m.sender_id === c.user_id;
  return false;
}

const ownerOf = (c: Pick<ConversationRow, 'user_id' | 'guest_id'>) => ({ userId: c.user_id, guestId: c.guest_id });

/** Writes a message from the server itself and tells everyone, like any other message. */
export async function postServerMessage(
  ctx: Pick<Context, 'db' | 'events'>,
  conversation: ConversationRow,
  messageType: 'system' | 'auth_code',
  text: string,
): Promise<Message> {
  const message = await storeServerMessage(ctx, conversation, messageType, text);
  tellServerMessage(ctx, conversation, message);
  return message;
}

/** The first half of postServerMessage, for a caller with something to record before anyone hears. */
export async function storeServerMessage(
  ctx: Pick<Context, 'db'>,
  conversation: ConversationRow,
  messageType: 'system' | 'auth_code',
  text: string,
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
  return toMessage(stored.message);
}

/** The second half: everyone hears of the stored message; `ownerText` replaces its text for the owner's sockets. */
export function tellServerMessage(ctx: Pick<Context, 'events'>, conversation: Pick<ConversationRow, 'user_id' | 'guest_id'>, message: Message, ownerText?: string): void {
  const ownerView = ownerText === undefined ? undefined : { ...message, message: ownerText };
  ctx.events.emit('message.created', { message, owner: ownerOf(conversation), ownerView });
}

export const messagesRouter = router({
  /**
   * The hot path. No conversation lookup when the connection already proved its right (a
   * join, an earlier send); the write is group-committed with other sends and checks the
   * status under the conversation's lock; everyone is told only after the commit. Access
   * and both limits run in the resolver, on a base that adds nothing to the context: every
   * tRPC middleware level, and every context it extends, is a copy per message.
   */
  send: leanAuthedProcedure.input(SendMessageInput).mutation(async ({ ctx, input }) => {
    const principal = ctx.principal!;
    const connection = connectionStateOf(ctx);
    const access = await conversationAccess({ db: ctx.db, events: ctx.events, feed: ctx.feed, principal, connection }, input.conversationId);
    if (ctx.connectionId !== undefined) await ctx.limits.consume('MESSAGES_PER_CONNECTION', ctx.connectionId);
    await ctx.limits.consume('MESSAGES_PER_IDENTITY', identityKey(principal));
    if (access.status === 'closed') throw conversationClosed();
    const toStore: MessageToStore = {
      conversationId: access.id,
      senderType: principal.type,
      senderId: principal.type === 'guest' ? null : principal.id,
      guestId: principal.type === 'guest' ? principal.id : null,
      message: input.message,
      messageType: input.messageType,
      clientMessageId: input.clientMessageId ?? null,
      claimAdminId: principal.type === 'admin' && !ownsAccess(principal, access) ? principal.id : null,
      requireOpen: true,
    };
    // Text goes through the group-committed writer; a file message takes its files in its own transaction.
    const outcome =
      input.messageType === 'file'
        ? await storeFileMessage(ctx.db, toStore, input.attachmentIds!, { uploaderType: principal.type, uploaderId: principal.id }).catch((error: unknown) => {
            if (error instanceof AttachmentsUnavailableError) {
              throw invalidInput('attachmentIds', 'A file is not ready to send: complete its upload first (or it was sent already)');
            }
            throw error;
          })
        : await writeMessage(ctx.db, toStore);
    if (outcome.status !== 'stored') {
      // The cached proof was out of date: the next call looks again.
      connection.access.forget(access.id);
      throw outcome.status === 'closed' ? conversationClosed() : conversationNotFound();
    }
    const message = input.messageType === 'file' ? (await withAttachments(ctx, [toMessage(outcome.message)]))[0]! : toMessage(outcome.message);
    // An agent who replies has read everything before the reply. (Owners' sends stay off this
    // extra write: only the agents' position feeds an unread count, the inbox's.)
    if (outcome.created && principal.type === 'admin' && !ownsAccess(principal, access)) {
      await advanceReadPosition(ctx.db, access.id, 'agent', message.seq);
    }
    // A retried send returns the stored message; everyone was told the first time.
    if (outcome.created) {
      ctx.events.emit('message.created', {
        message,
        owner: { userId: access.userId, guestId: access.guestId },
        origin: ctx.connectionId,
      });
    }
    return message;
  }),

  /** REST 3: history pages. */
  list: conversationProcedure.input(ListMessagesInput).query(({ ctx, input }) => pageOfMessages(ctx, input)),

  /** `conversation:sync`: the same pages from a seq onwards, in the event's own field names. */
  sync: conversationProcedure
    .input(SyncMessagesInput)
    .query(({ ctx, input }) => pageOfMessages(ctx, { conversationId: input.conversationId, after: input.afterSeq, limit: input.limit })),

  /** Marks a message read by the other side; reading your own side's message changes nothing. */
  markRead: authedProcedure.input(MarkReadInput).mutation(async ({ ctx, input }) => {
    const message = await findMessage(ctx.db, input.messageId);
    const conversation = message && (await findConversation(ctx.db, message.conversation_id));
    if (!message || !conversation || !canSee(ctx.principal, conversation)) {
      throw new TRPCError({ code: 'NOT_FOUND', message: 'Message not found' });
    }
    const readerIsOwner = isConversationOwner(ctx.principal, conversation);
    if (message.sender_type === 'system') {
      // The server's own notes belong to neither side: reading one moves the reader's position
      // (an agent's unread count must be able to reach 0) and flags nothing.
      await advanceReadPosition(ctx.db, conversation.id, readerIsOwner ? 'customer' : 'agent', message.seq);
      return { messageId: message.id, conversationId: conversation.id, isRead: message.is_read };
    }
    let isRead = message.is_read;
    // Reading the other side's message moves the reader's side position: unread counts come from it.
    if (readerIsOwner !== sentByOwner(message, conversation)) {
      await advanceReadPosition(ctx.db, conversation.id, readerIsOwner ? 'customer' : 'agent', message.seq);
    }
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
