import { z } from 'zod';
import { conversationPriorities, conversationStatuses, conversationTypes, messageTypes, senderTypes } from '../db/schema.js';
import { ConversationSchema } from './conversations.schema.js';

export const InboxListInput = z.object({
  status: z.enum(conversationStatuses).optional(),
  type: z.enum(conversationTypes).optional(),
  priority: z.enum(conversationPriorities).optional(),
  /** `me`, `none` (unassigned) or an admin's id. */
  assignee: z.union([z.enum(['me', 'none']), z.uuid()]).optional(),
  search: z.string().trim().min(1).max(200).optional(),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});

export const InboxItemSchema = ConversationSchema.extend({
  customer: z.object({
    type: z.enum(['user', 'guest']),
    id: z.string(),
    name: z.string().nullable(),
    email: z.string().nullable(),
  }),
  lastMessage: z
    .object({
      id: z.uuid(),
      message: z.string(),
      messageType: z.enum(messageTypes),
      senderType: z.enum(senderTypes),
      createdAt: z.iso.datetime(),
    })
    .nullable(),
  /** The newest private note, for agents' previews (shown distinctly from messages). */
  lastNote: z.object({ id: z.uuid(), text: z.string(), authorId: z.uuid(), createdAt: z.iso.datetime() }).nullable(),
  /** Messages the agents have not read yet: last seq minus the agents' read position. */
  unreadCount: z.number().int(),
});
export type InboxItem = z.infer<typeof InboxItemSchema>;

export const InboxPageSchema = z.object({ conversations: z.array(InboxItemSchema), nextCursor: z.string().nullable() });

export const InboxCountsSchema = z.object({
  byStatus: z.object({ open: z.number().int(), pending: z.number().int(), closed: z.number().int() }),
  /** Open and pending conversations, by assignee bucket. */
  active: z.object({ mine: z.number().int(), unassigned: z.number().int(), all: z.number().int() }),
});

const ConversationRef = z.object({ conversationId: z.uuid() });
export const AssignInput = ConversationRef.extend({ adminId: z.uuid().optional() });
export const UnassignInput = ConversationRef;
export const SetStatusInput = ConversationRef.extend({ status: z.enum(conversationStatuses) });
export const SetPriorityInput = ConversationRef.extend({ priority: z.enum(conversationPriorities) });
