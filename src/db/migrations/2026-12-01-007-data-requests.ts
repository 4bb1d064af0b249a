import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: data requests. An erased guest keeps a row (its id is refused from then on) and an
 * erased user keeps theirs (their old conversations stay linked, emptied); both lose every
 * personal field. The audit log says who exported or erased whom, and when.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table guests add column erased_at timestamptz`.execute(db);
  await sql`alter table users add column erased_at timestamptz`.execute(db);
  await sql`create table audit_log (
    id uuid primary key default gen_random_uuid(),
    actor_id uuid not null,
    action text not null,
    subject_type text not null,
    subject_id text not null,
    details jsonb,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index audit_log_recent on audit_log (created_at desc, id desc)`.execute(db);
  await sql`create index audit_log_subject on audit_log (subject_type, subject_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table audit_log`.execute(db);
  await sql`alter table users drop column erased_at`.execute(db);
  await sql`alter table guests drop column erased_at`.execute(db);
}
