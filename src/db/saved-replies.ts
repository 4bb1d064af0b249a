import { sql, type Kysely } from 'kysely';
import type { Database, SavedReplyRow } from './schema.js';

const columns = ['id', 'title', 'text', 'created_by', 'created_at', 'updated_at'] as const;

export async function listSavedReplies(db: Kysely<Database>): Promise<SavedReplyRow[]> {
  return db.selectFrom('saved_replies').select(columns).orderBy(sql`lower(title)`).orderBy('id').execute();
}

export async function insertSavedReply(db: Kysely<Database>, r: { title: string; text: string; createdBy: string }): Promise<SavedReplyRow> {
  return db
    .insertInto('saved_replies')
    .values({ title: r.title, text: r.text, created_by: r.createdBy })
    .returning(columns)
    .executeTakeFirstOrThrow();
}

export async function updateSavedReply(db: Kysely<Database>, id: string, r: { title: string; text: string }): Promise<SavedReplyRow | undefined> {
  return db
    .updateTable('saved_replies')
    .set({ title: r.title, text: r.text, updated_at: sql`now()` })
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
}

export async function deleteSavedReply(db: Kysely<Database>, id: string): Promise<boolean> {
  const result = await db.deleteFrom('saved_replies').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
