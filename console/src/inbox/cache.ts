import type { InfiniteData } from '@tanstack/react-query';
import type { Conversation, InboxItem, InboxPage, Message } from '../api/trpc.js';

export type InboxPages = InfiniteData<InboxPage, string | null>;

/** Every row once, in page order: a refetch of later pages may repeat a row that moved up. */
export function rowsOf(data: InboxPages | undefined): InboxItem[] {
  const seen = new Set<string>();
  const rows: InboxItem[] = [];
  for (const page of data?.pages ?? []) {
    for (const row of page.conversations) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      rows.push(row);
    }
  }
  return rows;
}

export function findRow(data: InboxPages | undefined, conversationId: string): InboxItem | undefined {
  return rowsOf(data).find((row) => row.id === conversationId);
}

function without(data: InboxPages, conversationId: string): InboxPages {
  return { ...data, pages: data.pages.map((page) => ({ ...page, conversations: page.conversations.filter((row) => row.id !== conversationId) })) };
}

/** The row changed in place (where it is), or undefined when the list does not hold it. */
export function updateRow(data: InboxPages, conversationId: string, change: (row: InboxItem) => InboxItem): InboxPages | undefined {
  if (!findRow(data, conversationId)) return undefined;
  return {
    ...data,
    pages: data.pages.map((page) => ({ ...page, conversations: page.conversations.map((row) => (row.id === conversationId ? change(row) : row)) })),
  };
}

export function removeRow(data: InboxPages, conversationId: string): InboxPages {
  return findRow(data, conversationId) ? without(data, conversationId) : data;
}

/**
 * A new message moves its row to the top with the message as its preview. The unread count
 * follows the server's rule (last seq minus the agents' read position, which an agent's reply
 * moves to the reply); an event seen twice changes nothing. Undefined when the list lacks the row.
 */
export function withMessage(data: InboxPages, message: Message): InboxPages | undefined {
  const row = findRow(data, message.conversationId);
  if (!row) return undefined;
  if (message.seq <= row.lastSeq) return data;
  const moved: InboxItem = {
    ...row,
    lastSeq: message.seq,
    lastMessageAt: message.createdAt,
    lastMessage: {
      id: message.id,
      message: message.message,
      messageType: message.messageType,
      senderType: message.senderType,
      createdAt: message.createdAt,
      ...(message.attachments && { attachments: message.attachments }),
    },
    unreadCount: message.senderType === 'admin' ? 0 : row.unreadCount + (message.seq - row.lastSeq),
  };
  const rest = without(data, row.id);
  const [first, ...others] = rest.pages;
  if (!first) return data;
  return { ...rest, pages: [{ ...first, conversations: [moved, ...first.conversations] }, ...others] };
}

/** An agent's change (assignee, status, priority) applied to the row it concerns. */
export const withConversation = (data: InboxPages, conversation: Conversation) =>
  updateRow(data, conversation.id, (row) => ({ ...row, ...conversation, lastSeq: row.lastSeq, lastMessageAt: row.lastMessageAt }));
