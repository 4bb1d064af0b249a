import { z } from 'zod';
import { conversationPriorities, conversationStatuses, conversationTypes, type ConversationRow } from '../db/schema.js';
import { exampleAgent, exampleConversation, exampleIds, exampleMessage } from './examples.js';
import { CatchUpLimit, MessageSchema, SeqCursor } from './messages.schema.js';

export const ConversationSchema = z.object({
  id: z.uuid().describe('Conversation id'),
  userId: z.uuid().nullable().describe('The signed-in customer who owns it; null for a guest’s'),
  guestId: z.string().nullable().describe('The guest who owns it; null for a user’s'),
  adminId: z.uuid().nullable().describe('The assigned agent; null while unassigned'),
  type: z.enum(conversationTypes).describe('What the conversation is about; a customer has at most one open conversation per type'),
  subject: z.string().nullable().describe('Optional subject line given when it was started'),
  status: z.enum(conversationStatuses).describe('open and pending take messages; closed takes none'),
  priority: z.enum(conversationPriorities).describe('Set by agents for the inbox'),
  lastSeq: z.number().int().describe('Seq of the newest message (0 when empty): seqs run 1, 2, 3… with no gaps'),
  lastMessageAt: z.iso.datetime().nullable().describe('When the newest message was written'),
  createdAt: z.iso.datetime().describe('When the conversation was started'),
  updatedAt: z.iso.datetime().describe('Last change of the conversation or its messages'),
}).meta({
  id: 'Conversation',
  description: 'A support conversation between one customer (a user or a guest) and the agents',
  examples: [exampleConversation],
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
  id: z.uuid().describe('User or admin id (the JWT subject)'),
  email: z.string().nullable().describe('The email claim of their last token, if any'),
  firstName: z.string().nullable().describe('The firstName (or given_name) claim of their last token'),
  lastName: z.string().nullable().describe('The lastName (or family_name) claim of their last token'),
}).meta({ id: 'Profile', description: 'A person as their last token described them', examples: [exampleAgent] });

export const ConversationDetailsSchema = ConversationSchema.extend({
  user: ProfileSchema.nullable().describe('The owning user; null for a guest’s conversation'),
  admin: ProfileSchema.nullable().describe('The assigned agent; null while unassigned'),
  guestEmail: z.string().nullable().describe('The email a guest gave for replies while away; null for a user’s conversation or none given'),
  guestEmailConfirmed: z
    .boolean()
    .nullable()
    .describe('Whether the guest confirmed that email from the link mailed to it: replies are emailed only then; null without a guest email'),
  messages: z.array(MessageSchema).describe('The newest messages, oldest first; page further back with the history'),
}).meta({
  id: 'ConversationDetails',
  description: 'A conversation with its people and its recent messages',
  examples: [{ ...exampleConversation, user: null, admin: exampleAgent, guestEmail: null, guestEmailConfirmed: null, messages: [exampleMessage] }],
});

export const ConversationTypeInput = z.enum(conversationTypes).default('general').describe('Which of the customer’s open conversations: one per type');

export const GetOrCreateInput = z.object({ type: ConversationTypeInput }).default({ type: 'general' });

export const StartAsGuestInput = z
  .object({
    type: ConversationTypeInput,
    subject: z.string().trim().min(1).max(200).nullable().optional().describe('Subject line, used only when a new conversation is started'),
  })
  .default({ type: 'general' })
  .meta({ examples: [{ type: 'general', subject: 'Question about my order' }] });

/**
 * `conversation:join`. A reconnecting client names the last seq it holds and gets the page
 * after it in the answer, instead of asking for it with `conversation:sync` once joined.
 */
export const JoinInput = z
  .object({
    conversationId: z.uuid().describe('A conversation you can see'),
    afterSeq: SeqCursor.optional().meta({
      description: 'Reconnecting: the last seq you have. The answer then carries the messages after it (messages, pagination), as conversation:sync answers',
      examples: [41],
    }),
    limit: CatchUpLimit,
  })
  .meta({ description: 'Follow a conversation, catching up from the last seq you have', examples: [{ conversationId: exampleIds.conversation, afterSeq: 41 }] });

export const TypingInput = z.object({
  conversationId: z.uuid().describe('A conversation you can see'),
  isTyping: z.boolean().describe('true when typing starts, false when it stops'),
});

export const IdentitySchema = z.object({
  type: z.enum(['user', 'admin', 'guest']).describe('What kind of caller the connection authenticated as'),
  userId: z.uuid().optional().describe('Set for a user'),
  adminId: z.uuid().optional().describe('Set for an admin (an agent)'),
  guestId: z.string().optional().describe('Set for a guest: keep it, it is the guest’s credential'),
}).meta({
  id: 'Identity',
  description: 'Who a connection is',
  examples: [{ type: 'guest', guestId: exampleIds.guest }],
});
export type Identity = z.infer<typeof IdentitySchema>;

export const CustomerConversationsSchema = z.object({
  conversations: z.array(ConversationSchema).describe('The customer’s conversations, newest first, this one included'),
}).describe('The customer’s conversations');
