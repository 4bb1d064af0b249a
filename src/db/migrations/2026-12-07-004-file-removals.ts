import { sql, type Kysely } from 'kysely';

/**
 * Attachments whose rows are deleted and whose bytes are still to go. A row is written in the
 * statement that deletes the attachment, so no failure of the store afterwards (an outage, a
 * replica that dies) can leave bytes that nothing points at for good: the sweep retries them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table file_removals (
    attachment_id uuid primary key,
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index file_removals_due on file_removals (next_attempt_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table file_removals`.execute(db);
}
