import { z } from 'zod';
import type { NoteWithAuthor } from '../db/notes.js';
import { exampleIds, exampleNote } from './examples.js';
import { MAX_MESSAGE_LENGTH } from './messages.schema.js';

/** A private note as agents see it. Customers never see one by any path. */
export const NoteSchema = z
  .object({
    id: z.uuid().describe('Note id'),
    conversationId: z.uuid().describe('The conversation it is about'),
    authorId: z.uuid().describe('The agent who wrote it'),
    authorName: z.string().nullable().describe('The author’s name (or email) from their token; null when it had neither'),
    text: z.string().describe('The note'),
    createdAt: z.iso.datetime().describe('When it was written'),
    updatedAt: z.iso.datetime().describe('When it was last edited'),
  })
  .meta({ id: 'Note', description: 'A private note: agents only, never shown to the customer', examples: [exampleNote] });
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

const NoteText = z
  .string()
  .trim()
  .min(1, 'Note cannot be empty')
  .max(MAX_MESSAGE_LENGTH, `Note is longer than ${MAX_MESSAGE_LENGTH} characters`)
  .meta({ description: 'The note; surrounding whitespace is trimmed', examples: [exampleNote.text] });
const NoteId = z.uuid().meta({ description: 'The note', examples: [exampleIds.note] });

export const CreateNoteInput = z.object({ conversationId: z.uuid().describe('The conversation'), text: NoteText });
export const UpdateNoteInput = z.object({ noteId: NoteId, text: NoteText });
export const DeleteNoteInput = z.object({ noteId: NoteId });
export const NoteListSchema = z.object({ notes: z.array(NoteSchema).describe('Oldest first') }).describe('A conversation’s notes');
export const NoteDeletedSchema = z.object({ noteId: NoteId, deleted: z.literal(true).describe('Always true') }).describe('The note deleted');
