import type { ConversationState, OutboxItem } from '../../../client/src/index.js';
import type { Message } from '../api/trpc.js';
import type { Note } from '../notes/note-cache.js';

export type ThreadItem =
  | { kind: 'message'; key: string; at: string; message: Message }
  | { kind: 'outgoing'; key: string; at: string; item: OutboxItem }
  | { kind: 'note'; key: string; at: string; note: Note };

/**
 * The thread as the agent reads it: the core's stored messages (in seq order), what is still
 * in its outbox after them, and the private notes placed by time among the messages. Notes
 * older than the oldest message held wait until history reaches them.
 */
export function threadItems(state: ConversationState, notes: readonly Note[]): ThreadItem[] {
  const messages: ThreadItem[] = state.messages.map((message) => ({ kind: 'message', key: message.id, at: message.createdAt, message }));
  const oldest = state.hasOlder ? state.messages[0]?.createdAt : undefined;
  const shownNotes = notes.filter((note) => !oldest || note.createdAt >= oldest);
  const merged: ThreadItem[] = [];
  let n = 0;
  for (const item of messages) {
    while (n < shownNotes.length && shownNotes[n]!.createdAt < item.at) merged.push(noteItem(shownNotes[n++]!));
    merged.push(item);
  }
  while (n < shownNotes.length) merged.push(noteItem(shownNotes[n++]!));
  for (const item of state.outbox) merged.push({ kind: 'outgoing', key: item.clientMessageId, at: item.createdAt, item });
  return merged;
}

const noteItem = (note: Note): ThreadItem => ({ kind: 'note', key: `note-${note.id}`, at: note.createdAt, note });
