import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: agents who are away hear of their customers' new messages by email. Nothing is
 * written on the message path: a periodic look compares each assigned conversation's seq
 * with what its agent has read and what was last emailed to them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // One row per agent who changed the default (emails on) or has been emailed.
  await sql`create table agent_email_settings (
    admin_id uuid primary key references users (id) on delete cascade,
    notify boolean not null default true,
    last_emailed_at timestamptz
  )`.execute(db);
  // The last customer message an agent's email carried, per conversation.
  await sql`create table agent_email_marks (
    conversation_id uuid primary key references conversations (id) on delete cascade,
    emailed_seq integer not null
  )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table agent_email_marks`.execute(db);
  await sql`drop table agent_email_settings`.execute(db);
}
