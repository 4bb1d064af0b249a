import { z } from 'zod';
import type { NoteWithAuthor } from '../db/notes.js';
import { MAX_MESSAGE_LENGTH } from './messages.schema.js';

/** A private note as agents see it. Customers never see one by any path. */
export const NoteSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  authorId: z.uuid(),
  authorName: z.string().nullable(),
  text: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Note = z.infer<typeof NoteSchema>;

export const personName = (p: { first_name: string | null; last_name: string | null; email: string | null }) =>
  [p.first_name, p.last_name].filter(Boolean).join(' ') || p.email || null;

export function toNote(row: NoteWithAuthor): Note {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    authorId: row.author_id,
    authorName: personName(row),
    text: row.text,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const NoteText = z.string().trim().min(1, 'Note cannot be empty').max(MAX_MESSAGE_LENGTH, `Note is longer than ${MAX_MESSAGE_LENGTH} characters`);

export const CreateNoteInput = z.object({ conversationId: z.uuid(), text: NoteText });
export const UpdateNoteInput = z.object({ noteId: z.uuid(), text: NoteText });
export const DeleteNoteInput = z.object({ noteId: z.uuid() });
export const NoteListSchema = z.object({ notes: z.array(NoteSchema) });
