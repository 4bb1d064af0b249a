import type { Conversation } from '../api/trpc.js';
import type { conversationPriorities, conversationStatuses, conversationTypes } from '../../../src/db/schema.js';

export type Status = (typeof conversationStatuses)[number];
export type Priority = (typeof conversationPriorities)[number];
export type ConversationType = (typeof conversationTypes)[number];
export type Assignee = 'me' | 'none' | 'all';

export interface InboxFilters {
  status: Status;
  assignee: Assignee;
  priority: Priority | null;
  type: ConversationType | null;
  search: string;
  /** Only conversations with a call request waiting (requested or scheduled). */
  callPending: boolean;
}

export const DEFAULT_FILTERS: InboxFilters = { status: 'open', assignee: 'all', priority: null, type: null, search: '', callPending: false };

/** The `inbox.list` input for a set of filters (the cursor is the infinite query's). */
export function listInput(filters: InboxFilters, limit = 25) {
  const search = filters.search.trim();
  return {
    status: filters.status,
    limit,
    ...(filters.assignee !== 'all' && { assignee: filters.assignee }),
    ...(filters.priority && { priority: filters.priority }),
    ...(filters.type && { type: filters.type }),
    ...(search && { search }),
    ...(filters.callPending && { callPending: true }),
  };
}
export type ListInput = Partial<ReturnType<typeof listInput>> & { assignee?: string };

/**
 * Whether a conversation as it is now belongs in a list fetched with `input`, judged on what
 * the client can know (a full-text search is the server's: a row already found stays). A call
 * request waiting is `waiting`'s to say (the conversations `calls.active` has one for); without
 * it, a row already there stays.
 */
export function belongsIn(conversation: Conversation, input: ListInput, me: string, waiting?: ReadonlySet<string>): boolean {
  if (input.callPending && waiting && !waiting.has(conversation.id)) return false;
  if (input.status && conversation.status !== input.status) return false;
  if (input.priority && conversation.priority !== input.priority) return false;
  if (input.type && conversation.type !== input.type) return false;
  if (input.assignee === 'me') return conversation.adminId === me;
  if (input.assignee === 'none') return conversation.adminId === null;
  if (input.assignee) return conversation.adminId === input.assignee;
  return true;
}
