import type { InboxItem } from '../api/trpc.js';

const SENDER = { admin: 'Agent: ', system: '', user: '', guest: '' } as const;

/** The row's last line: the latest message (who wrote it when it was an agent). */
export function previewOf(row: InboxItem): { text: string; note: boolean } {
  const last = row.lastMessage;
  if (!last) return { text: 'No messages yet', note: false };
  if (last.messageType === 'auth_code') return { text: 'Verification code sent', note: false };
  return { text: SENDER[last.senderType] + last.message, note: false };
}
