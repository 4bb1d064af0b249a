import { z } from 'zod';
import { messageTypes, senderTypes, type MessageRow } from '../db/schema.js';
import { AttachmentSchema, MAX_FILES_PER_MESSAGE } from './attachments.schema.js';
import { exampleIds, exampleMessage } from './examples.js';

export const MAX_MESSAGE_LENGTH = 5_000;
export const MAX_PAGE_SIZE = 100;

/** A message as every transport shows it: the spec's fields plus `seq` and `clientMessageId`. */
export const MessageSchema = z.object({
  id: z.uuid().describe('Message id'),
  conversationId: z.uuid().describe('The conversation it belongs to'),
  seq: z.number().int().describe('Its place in the conversation: 1, 2, 3… with no gaps, the order to show and the cursor to page by'),
  senderId: z.uuid().nullable().describe('The user or admin who wrote it; null for a guest or the system'),
  senderType: z.enum(senderTypes).describe('Who wrote it: the customer (user or guest), an agent (admin) or the server (system)'),
  guestId: z.string().nullable().describe('The guest who wrote it; null otherwise'),
  message: z.string().describe('The text, shown as plain text (never as markup); a file message’s caption, which may be empty'),
  messageType: z.enum(messageTypes).describe('text and file from people; system and auth_code from the server'),
  isRead: z.boolean().describe('Whether the other side has read it'),
  clientMessageId: z.uuid().nullable().describe('The sender’s idempotency key, when one was given'),
  createdAt: z.iso.datetime().describe('When the server stored it'),
  attachments: z.array(AttachmentSchema).optional().describe('File messages only: their files, in order, with fresh signed links'),
}).meta({
  id: 'Message',
  description: 'A message as every transport shows it',
  examples: [exampleMessage],
});
export type Message = z.infer<typeof MessageSchema>;

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    senderId: row.sender_id,
    senderType: row.sender_type,
    guestId: row.guest_id,
    message: row.message,
    messageType: row.message_type,
    isRead: row.is_read,
    clientMessageId: row.client_message_id,
    createdAt: row.created_at.toISOString(),
  };
}

/** Clients write text and files; `system` and `auth_code` are the server's. */
const ClientMessageType = z
  .enum(messageTypes)
  .default('text')
  .superRefine((type, ctx) => {
    if (type !== 'text' && type !== 'file') ctx.addIssue({ code: 'custom', message: `Message type "${type}" is reserved for the server` });
  });

export const SendMessageInput = z
  .object({
    conversationId: z.uuid().describe('An open or pending conversation you can see'),
    message: z.string().trim().max(MAX_MESSAGE_LENGTH, `Message is longer than ${MAX_MESSAGE_LENGTH} characters`).default('').describe('The text (a file message’s optional caption); surrounding whitespace is trimmed'),
    messageType: ClientMessageType.describe('text, or file with attachmentIds; system and auth_code are the server’s'),
    attachmentIds: z
      .array(z.uuid())
      .min(1, 'A file message needs at least one attachment')
      .max(MAX_FILES_PER_MESSAGE, `A message can carry at most ${MAX_FILES_PER_MESSAGE} files`)
      .optional()
      .describe(`File messages: up to ${MAX_FILES_PER_MESSAGE} completed uploads of yours in this conversation, in the order to show`),
    clientMessageId: z.uuid().optional().describe('Idempotency key: a retry with the same key returns the stored message instead of a copy'),
  })
  .superRefine((m, ctx) => {
    if (m.messageType === 'file') {
      if (!m.attachmentIds) ctx.addIssue({ code: 'custom', path: ['attachmentIds'], message: 'A file message needs at least one attachment' });
      else if (new Set(m.attachmentIds.map((id) => id.toLowerCase())).size !== m.attachmentIds.length) {
        ctx.addIssue({ code: 'custom', path: ['attachmentIds'], message: 'Each file can be sent once' });
      }
    } else {
      if (m.message === '') ctx.addIssue({ code: 'custom', path: ['message'], message: 'Message cannot be empty' });
      if (m.attachmentIds) ctx.addIssue({ code: 'custom', path: ['attachmentIds'], message: 'Only file messages carry attachments' });
    }
  })
  .meta({
    description: 'A message to send',
    examples: [
      { conversationId: exampleIds.conversation, message: 'Hello, where is my order?', clientMessageId: exampleIds.clientMessage },
      { conversationId: exampleIds.conversation, message: 'Here is the error I get', messageType: 'file', attachmentIds: [exampleIds.attachment], clientMessageId: exampleIds.clientMessage },
    ],
  });

/**
 * Numbers are JSON numbers on every transport: `true`, `[]`, `null` or `"5"` are refused, never
 * coerced. (REST query strings carry only text; the REST layer turns the digits of a field
 * documented as an integer into a number before the procedure sees it.)
 */
export const MAX_SEQ = 2_147_483_647;
export const SeqCursor = z.number().int().min(0).max(MAX_SEQ);
const PageSize = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .transform((n) => Math.min(n, MAX_PAGE_SIZE))
    .default(fallback);

/**
 * History paging: `page` counts back from the newest messages; `before` / `after` are seq
 * cursors for scroll-back and catch-up.
 */
export const ListMessagesInput = z
  .object({
    conversationId: z.uuid().describe('The conversation'),
    page: z.number().int().min(1).max(1_000_000).optional().describe('Page counted back from the newest messages (1 = newest)'),
    limit: PageSize(50).describe(`Messages per page; more than ${MAX_PAGE_SIZE} is served as ${MAX_PAGE_SIZE}`),
    before: SeqCursor.optional().describe('Scroll back: the messages just before this seq'),
    after: SeqCursor.optional().describe('Catch up: the messages just after this seq'),
  })
  .refine((i) => [i.page, i.before, i.after].filter((v) => v !== undefined).length <= 1, {
    message: 'Use only one of page, before and after',
    path: ['page'],
  });

/** A catch-up page's size: `conversation:sync`'s, and `conversation:join`'s with afterSeq. */
export const CatchUpLimit = PageSize(MAX_PAGE_SIZE).describe(`Messages per page, at most ${MAX_PAGE_SIZE}: sync again while hasMore`);

/** `conversation:sync`: every message after the seq the client holds, a page at a time. */
export const SyncMessagesInput = z.object({
  conversationId: z.uuid().describe('The conversation'),
  afterSeq: SeqCursor.default(0).meta({ description: 'The last seq you have (0: from the start)', examples: [41] }),
  limit: CatchUpLimit,
}).meta({ description: 'Catch up from the last seq you have', examples: [{ conversationId: exampleIds.conversation, afterSeq: 41, limit: 100 }] });

export const MessagesPageSchema = z.object({
  messages: z.array(MessageSchema).describe('Oldest first'),
  pagination: z.object({
    total: z.number().int().describe('Messages in the conversation'),
    page: z.number().int().describe('The page asked for (1 when paging by cursor)'),
    limit: z.number().int().describe('Messages per page'),
    totalPages: z.number().int().describe('Pages of this size'),
    hasMore: z.boolean().describe('Whether there is more in the direction paged: older messages, or newer ones with after'),
  }).meta({ description: 'Where this page is', examples: [{ total: 2, page: 1, limit: 50, totalPages: 1, hasMore: false }] }),
}).meta({ id: 'MessagesPage', description: 'One page of a conversation’s messages, as a seq range' });

export const MarkReadInput = z.object({ messageId: z.uuid().meta({ description: 'A message of the other side', examples: [exampleIds.message] }) });
