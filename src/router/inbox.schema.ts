import { z } from 'zod';
import { conversationPriorities, conversationStatuses, conversationTypes, messageTypes, senderTypes } from '../db/schema.js';
import { AttachmentSchema } from './attachments.schema.js';
import { ConversationSchema } from './conversations.schema.js';
import { exampleConversation, exampleIds, exampleMessage } from './examples.js';

export const InboxListInput = z.object({
  status: z.enum(conversationStatuses).optional().describe('Only conversations with this status'),
  type: z.enum(conversationTypes).optional().describe('Only conversations of this type'),
  priority: z.enum(conversationPriorities).optional().describe('Only conversations with this priority'),
  /** `me`, `none` (unassigned) or an admin's id. */
  assignee: z.union([z.enum(['me', 'none']), z.uuid()]).optional().describe('me (the caller), none (unassigned) or an admin’s id'),
  search: z.string().trim().min(1).max(200).optional().describe('Full-text search over the messages’ text'),
  callPending: z.boolean().optional().describe('true: only conversations with a call request waiting for an agent (requested or scheduled)'),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(500).optional().describe('nextCursor of the previous page; the pages stay a snapshot of when the first was read'),
  limit: z.number().int().min(1).max(100).default(25).describe('Conversations per page'),
});

export const InboxItemSchema = ConversationSchema.extend({
  customer: z
    .object({
      type: z.enum(['user', 'guest']).describe('A signed-in user or a guest'),
      id: z.string().describe('The user’s id or the guest id'),
      name: z.string().nullable().describe('The user’s name, when their token had one; null for guests'),
      email: z.string().nullable().describe('The user’s email, when their token had one; null for guests'),
    })
    .describe('Who the conversation is with'),
  lastMessage: z
    .object({
      id: z.uuid().describe('Message id'),
      message: z.string().describe('The text'),
      messageType: z.enum(messageTypes).describe('Its type'),
      senderType: z.enum(senderTypes).describe('Who wrote it'),
      createdAt: z.iso.datetime().describe('When it was stored'),
      attachments: z.array(AttachmentSchema).optional().describe('A file message’s files (show “📎 name” when its text is empty)'),
    })
    .nullable()
    .describe('The newest message; null for an empty conversation'),
  lastNote: z
    .object({
      id: z.uuid().describe('Note id'),
      text: z.string().describe('The note’s text'),
      authorId: z.uuid().describe('The agent who wrote it'),
      createdAt: z.iso.datetime().describe('When it was written'),
    })
    .nullable()
    .describe('The newest private note, for agents’ previews (shown apart from messages); null when there is none'),
  /** Messages the agents have not read yet: last seq minus the agents' read position. */
  unreadCount: z.number().int().describe('Messages the agents have not read yet'),
}).meta({
  id: 'InboxItem',
  description: 'A conversation as the agents’ inbox lists it',
  examples: [
    {
      ...exampleConversation,
      customer: { type: 'guest', id: exampleIds.guest, name: null, email: null },
      lastMessage: { id: exampleMessage.id, message: exampleMessage.message, messageType: 'text', senderType: 'guest', createdAt: exampleMessage.createdAt },
      lastNote: null,
      unreadCount: 1,
    },
  ],
});
export type InboxItem = z.infer<typeof InboxItemSchema>;

export const InboxPageSchema = z
  .object({
    conversations: z.array(InboxItemSchema).describe('Newest activity first'),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last page', examples: [null] }),
  })
  .meta({ id: 'InboxPage', description: 'One page of the inbox' });

export const InboxCountsSchema = z.object({
  byStatus: z
    .object({
      open: z.number().int().describe('Open conversations'),
      pending: z.number().int().describe('Pending conversations'),
      closed: z.number().int().describe('Closed conversations'),
    })
    .describe('Every conversation, by status'),
  /** Open and pending conversations, by assignee bucket. */
  active: z
    .object({
      mine: z.number().int().describe('Assigned to the caller'),
      unassigned: z.number().int().describe('Assigned to nobody'),
      all: z.number().int().describe('All of them'),
      unreadForMe: z.number().int().describe('Those assigned to the caller or to nobody with a message the agents have not read: what the console counts in its tab title'),
    })
    .describe('Open and pending conversations, by assignee'),
}).meta({
  id: 'InboxCounts',
  description: 'Counts for the inbox sidebar',
  examples: [{ byStatus: { open: 12, pending: 3, closed: 240 }, active: { mine: 4, unassigned: 6, all: 15, unreadForMe: 3 } }],
});

const ConversationRef = z.object({ conversationId: z.uuid().describe('The conversation') });
export const AssignInput = ConversationRef.extend({ adminId: z.uuid().optional().describe('The admin to assign; the caller when left out') }).meta({
  examples: [{ conversationId: exampleIds.conversation, adminId: exampleIds.admin }],
});
export const UnassignInput = ConversationRef;
export const SetStatusInput = ConversationRef.extend({ status: z.enum(conversationStatuses).describe('The new status; a closed conversation takes no messages until it is reopened') }).meta({
  examples: [{ conversationId: exampleIds.conversation, status: 'closed' }],
});
export const SetPriorityInput = ConversationRef.extend({ priority: z.enum(conversationPriorities).describe('The new priority') }).meta({
  examples: [{ conversationId: exampleIds.conversation, priority: 'high' }],
});
