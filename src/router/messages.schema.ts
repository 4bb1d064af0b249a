import { z } from 'zod';
import { messageTypes, senderTypes, type MessageRow } from '../db/schema.js';

export const MAX_MESSAGE_LENGTH = 5_000;
export const MAX_PAGE_SIZE = 100;

/** A message as every transport shows it: the spec's fields plus `seq` and `clientMessageId`. */
export const MessageSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  seq: z.number().int(),
  senderId: z.uuid().nullable(),
  senderType: z.enum(senderTypes),
  guestId: z.string().nullable(),
  message: z.string(),
  messageType: z.enum(messageTypes),
  isRead: z.boolean(),
  clientMessageId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
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

/** Clients write text; `file` waits for attachments, `system` and `auth_code` are the server's. */
const ClientMessageType = z
  .enum(messageTypes)
  .default('text')
  .superRefine((type, ctx) => {
    if (type === 'file') ctx.addIssue({ code: 'custom', message: 'File messages are not supported yet' });
    else if (type !== 'text') ctx.addIssue({ code: 'custom', message: `Message type "${type}" is reserved for the server` });
  });

export const SendMessageInput = z.object({
  conversationId: z.uuid(),
  message: z.string().trim().min(1, 'Message cannot be empty').max(MAX_MESSAGE_LENGTH, `Message is longer than ${MAX_MESSAGE_LENGTH} characters`),
  messageType: ClientMessageType,
  clientMessageId: z.uuid().optional(),
});

/**
 * Numbers are JSON numbers on every transport: `true`, `[]`, `null` or `"5"` are refused, never
 * coerced. (REST query strings carry only text; the REST layer turns the digits of a field
 * documented as an integer into a number before the procedure sees it.)
 */
const SeqCursor = z.number().int().min(0).max(2_147_483_647);
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
    conversationId: z.uuid(),
    page: z.number().int().min(1).max(1_000_000).optional(),
    limit: PageSize(50),
    before: SeqCursor.optional(),
    after: SeqCursor.optional(),
  })
  .refine((i) => [i.page, i.before, i.after].filter((v) => v !== undefined).length <= 1, {
    message: 'Use only one of page, before and after',
    path: ['page'],
  });

/** `conversation:sync`: every message after the seq the client holds, a page at a time. */
export const SyncMessagesInput = z.object({
  conversationId: z.uuid(),
  afterSeq: SeqCursor.default(0),
  limit: PageSize(MAX_PAGE_SIZE),
});

export const MessagesPageSchema = z.object({
  messages: z.array(MessageSchema),
  pagination: z.object({
    total: z.number().int(),
    page: z.number().int(),
    limit: z.number().int(),
    totalPages: z.number().int(),
    hasMore: z.boolean(),
  }),
});

export const MarkReadInput = z.object({ messageId: z.uuid() });
