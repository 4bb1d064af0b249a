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

const SeqCursor = z.coerce.number().int().min(0).max(2_147_483_647);

/**
 * History paging: `page` counts back from the newest messages; `before` / `after` are seq
 * cursors for scroll-back and catch-up. Numbers may arrive as query-string text.
 */
export const ListMessagesInput = z
  .object({
    conversationId: z.uuid(),
    page: z.coerce.number().int().min(1).max(1_000_000).optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .transform((n) => Math.min(n, MAX_PAGE_SIZE))
      .default(50),
    before: SeqCursor.optional(),
    after: SeqCursor.optional(),
  })
  .refine((i) => [i.page, i.before, i.after].filter((v) => v !== undefined).length <= 1, {
    message: 'Use only one of page, before and after',
    path: ['page'],
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
