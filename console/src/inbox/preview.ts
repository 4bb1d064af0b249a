import type { InboxItem } from '../api/trpc.js';

const SENDER = { admin: 'Agent: ', system: '', user: '', guest: '' } as const;

/** The row's last line: the newest of the last message and the last private note (marked 📝). */
export function previewOf(row: InboxItem): { text: string; note: boolean } {
  const last = row.lastMessage;
  const note = row.lastNote;
  if (note && (!last || note.createdAt >= last.createdAt)) return { text: `📝 ${note.text}`, note: true };
  if (!last) return { text: 'No messages yet', note: false };
  if (last.messageType === 'auth_code') return { text: 'Verification code sent', note: false };
  return { text: SENDER[last.senderType] + last.message, note: false };
}
