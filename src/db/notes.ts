import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const noteColumns = ['notes.id', 'notes.conversation_id', 'notes.author_id', 'notes.text', 'notes.created_at', 'notes.updated_at'] as const;

/** A note with its author's name parts, as the agents' side shows it. */
function notesWithAuthors(db: Kysely<Database>) {
  return db
    .selectFrom('notes')
    .leftJoin('users', 'users.id', 'notes.author_id')
    .select([...noteColumns, 'users.first_name', 'users.last_name', 'users.email']);
}

export type NoteWithAuthor = Awaited<ReturnType<ReturnType<typeof notesWithAuthors>['executeTakeFirstOrThrow']>>;

export async function listNotes(db: Kysely<Database>, conversationId: string): Promise<NoteWithAuthor[]> {
  return notesWithAuthors(db).where('notes.conversation_id', '=', conversationId).orderBy('notes.created_at').orderBy('notes.id').execute();
}

export async function findNote(db: Kysely<Database>, id: string): Promise<NoteWithAuthor | undefined> {
  return notesWithAuthors(db).where('notes.id', '=', id).executeTakeFirst();
}

export async function insertNote(db: Kysely<Database>, n: { conversationId: string; authorId: string; text: string }): Promise<string> {
  const row = await db
    .insertInto('notes')
    .values({ conversation_id: n.conversationId, author_id: n.authorId, text: n.text })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Changes the text of a note its author wrote; false when there is no such note of theirs. */
export async function updateNote(db: Kysely<Database>, id: string, authorId: string, text: string): Promise<boolean> {
  const result = await db
    .updateTable('notes')
    .set({ text, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('author_id', '=', authorId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteNote(db: Kysely<Database>, id: string, authorId: string): Promise<boolean> {
  const result = await db.deleteFrom('notes').where('id', '=', id).where('author_id', '=', authorId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
