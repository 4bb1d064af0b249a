import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: replies by email to customers who have left. An agent's reply marks its
 * conversation for a follow-up in the message writer's statement (the outbox row); the row's
 * NOTIFY wakes the job queue, which looks again after the delay: still unread and the
 * customer still away, one email carries every unread reply since the last email.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table guests add column email text`.execute(db);
  // The last reply an email carried: the next email starts after it.
  await sql`alter table conversations add column emailed_seq integer not null default 0`.execute(db);
  await sql`create table email_follow_ups (
    conversation_id uuid primary key references conversations (id) on delete cascade,
    since timestamptz not null default now()
  )`.execute(db);
  await sql`create index email_follow_ups_since on email_follow_ups (since)`.execute(db);
  await sql`create function email_follow_up_queued() returns trigger language plpgsql as $$
    begin
      perform pg_notify('email_follow_up', new.conversation_id::text);
      return null;
    end $$`.execute(db);
  await sql`create trigger email_follow_ups_queued after insert on email_follow_ups
    for each row execute function email_follow_up_queued()`.execute(db);
  // When each customer was last connected: the delay counts from there.
  await sql`create table customer_last_seen (owner text primary key, seen_at timestamptz not null)`.execute(db);
  await sql`create table email_unsubscribes (address text primary key, created_at timestamptz not null default now())`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table email_unsubscribes`.execute(db);
  await sql`drop table customer_last_seen`.execute(db);
  await sql`drop trigger email_follow_ups_queued on email_follow_ups`.execute(db);
  await sql`drop function email_follow_up_queued()`.execute(db);
  await sql`drop table email_follow_ups`.execute(db);
  await sql`alter table conversations drop column emailed_seq`.execute(db);
  await sql`alter table guests drop column email`.execute(db);
}
