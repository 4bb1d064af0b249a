import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Outputs, useTRPC } from '../api/trpc.js';
import { writeList } from '../inbox/apply-change.js';
import { updateRow, type InboxPages } from '../inbox/cache.js';

type Trpc = ReturnType<typeof useTRPC>;
export type Note = Outputs['notes']['create'];
export type NoteChange = 'created' | 'updated' | 'deleted';

/**
 * A note created, edited or deleted (this agent's answer or anyone's live event) written into
 * the conversation's note list and the inbox rows' `lastNote`. Applying it twice changes nothing.
 */
export function applyNote(queryClient: QueryClient, trpc: Trpc, note: Note, change: NoteChange, invalidate: (key: QueryKey) => void) {
  queryClient.setQueryData(trpc.notes.list.queryKey({ conversationId: note.conversationId }), (old) => {
    if (!old) return old;
    const others = old.notes.filter((n) => n.id !== note.id);
    const notes = change === 'deleted' ? others : [...others, note].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    return { ...old, notes };
  });
  for (const [key, data] of queryClient.getQueriesData<InboxPages>({ queryKey: trpc.inbox.list.pathKey() })) {
    if (!data) continue;
    let stale = false;
    const next = updateRow(data, note.conversationId, (row) => {
      const shown = row.lastNote;
      if (change === 'created' && (!shown || shown.createdAt <= note.createdAt)) {
        return { ...row, lastNote: { id: note.id, text: note.text, authorId: note.authorId, createdAt: note.createdAt } };
      }
      if (shown?.id !== note.id) return row;
      // The note before a deleted one is the server's to say.
      if (change === 'deleted') stale = true;
      return change === 'updated' ? { ...row, lastNote: { ...shown, text: note.text } } : row;
    });
    if (next) writeList(queryClient, key, next, invalidate);
    if (stale) invalidate(key);
  }
}
