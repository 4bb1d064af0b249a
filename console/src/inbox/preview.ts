import type { InboxItem } from '../api/trpc.js';

const SENDER = { admin: 'Agent: ', system: '', user: '', guest: '' } as const;

/** A file message as one line: "📎 name", " +N" for its other files, then its caption. */
function fileLine(last: NonNullable<InboxItem['lastMessage']>): string {
  const [first, ...others] = last.attachments ?? [];
  if (!first) return last.message;
  const files = `📎 ${first.name}${others.length ? ` +${others.length}` : ''}`;
  return last.message ? `${files} ${last.message}` : files;
}

/** The row's last line: the newest of the last message and the last private note (marked 📝). */
export function previewOf(row: InboxItem): { text: string; note: boolean } {
  const last = row.lastMessage;
  const note = row.lastNote;
  if (note && (!last || note.createdAt >= last.createdAt)) return { text: `📝 ${note.text}`, note: true };
  if (!last) return { text: 'No messages yet', note: false };
  if (last.messageType === 'auth_code') return { text: 'Verification code sent', note: false };
  return { text: SENDER[last.senderType] + (last.messageType === 'file' ? fileLine(last) : last.message), note: false };
}
