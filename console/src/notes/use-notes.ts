import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { useTRPC } from '../api/trpc.js';
import { debouncedInvalidate } from '../inbox/apply-change.js';
import { applyNote, type Note, type NoteChange } from './note-cache.js';

/** A conversation's private notes and the calls that change them; answers go into the cache at once. */
export function useNotes(conversationId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = useRef(debouncedInvalidate(queryClient)).current;
  const applied = (change: NoteChange) => (note: Note) => applyNote(queryClient, trpc, note, change, invalidate);
  const remove = useMutation(trpc.notes.delete.mutationOptions());
  return {
    list: useQuery(trpc.notes.list.queryOptions({ conversationId })),
    create: useMutation(trpc.notes.create.mutationOptions({ onSuccess: applied('created') })),
    update: useMutation(trpc.notes.update.mutationOptions({ onSuccess: applied('updated') })),
    // The answer names only the id: the note the agent deleted is the one they pointed at.
    remove: (note: Note) => remove.mutate({ noteId: note.id }, { onSuccess: () => applied('deleted')(note) }),
  };
}
