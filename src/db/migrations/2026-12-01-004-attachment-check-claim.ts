import { type Kysely } from 'kysely';

/**
 * Issue 14: one `complete` at a time checks an upload. Two at once (a double click, a retry
 * while the first is still reading a large image) both moved, read and rewrote the same
 * object; on a store without atomic writes one read the other's half-written bytes. The claim
 * is a time, not a flag, so a replica that dies mid-check leaves nothing stuck.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attachments').addColumn('checking_until', 'timestamptz').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('attachments').dropColumn('checking_until').execute();
}
