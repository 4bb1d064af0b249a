import { z } from 'zod';
import { conversationPriorities, conversationStatuses, conversationTypes, type ConversationRow } from '../db/schema.js';
import { MessageSchema } from './messages.schema.js';

export const ConversationSchema = z.object({
  id: z.uuid(),
  userId: z.uuid().nullable(),
  guestId: z.string().nullable(),
  adminId: z.uuid().nullable(),
  type: z.enum(conversationTypes),
  subject: z.string().nullable(),
  status: z.enum(conversationStatuses),
  priority: z.enum(conversationPriorities),
  lastSeq: z.number().int(),
  lastMessageAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Conversation = z.infer<typeof ConversationSchema>;

export function toConversation(row: ConversationRow): Conversation {
  return {
    id: row.id,
    userId: row.user_id,
    guestId: row.guest_id,
    adminId: row.admin_id,
    type: row.type,
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    lastSeq: row.last_seq,
    lastMessageAt: row.last_message_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const ProfileSchema = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
});

export const ConversationDetailsSchema = ConversationSchema.extend({
  user: ProfileSchema.nullable(),
  admin: ProfileSchema.nullable(),
  messages: z.array(MessageSchema),
});

export const ConversationTypeInput = z.enum(conversationTypes).default('general');

export const GetOrCreateInput = z.object({ type: ConversationTypeInput }).default({ type: 'general' });

export const StartAsGuestInput = z
  .object({
    type: ConversationTypeInput,
    subject: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .default({ type: 'general' });

export const TypingInput = z.object({ conversationId: z.uuid(), isTyping: z.boolean() });

export const IdentitySchema = z.object({
  type: z.enum(['user', 'admin', 'guest']),
  userId: z.uuid().optional(),
  adminId: z.uuid().optional(),
  guestId: z.string().optional(),
});
export type Identity = z.infer<typeof IdentitySchema>;
