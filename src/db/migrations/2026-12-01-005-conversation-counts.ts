import { sql, type Kysely } from 'kysely';

/**
 * Issue 17: conversations per status without reading every conversation. Each insert, delete
 * or status change appends its +1 / -1 to `conversation_count_changes` in the same
 * transaction (appends never wait on each other, where one counter row per status would
 * serialise every new conversation); a fold adds them into `conversation_counts` now and then.
 * A count is the sum of both, exact in any snapshot. The message path does not fire them: the
 * update trigger names `status`, and PostgreSQL checks its WHEN before calling anything.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table conversation_counts (status text primary key, n bigint not null)`.execute(db);
  await sql`create table conversation_count_changes (id bigint generated always as identity primary key, status text not null, delta integer not null)`.execute(db);
  await sql`create function conversation_rows_counted() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into conversation_count_changes (status, delta) select status, count(*) from new_rows group by status;
      else
        insert into conversation_count_changes (status, delta) select status, -count(*) from old_rows group by status;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create function conversation_status_counted() returns trigger language plpgsql as $$
    begin
      insert into conversation_count_changes (status, delta) values (old.status, -1), (new.status, 1);
      return null;
    end $$`.execute(db);
  // Per statement for inserts and deletes (a bulk load appends one row per status).
  await sql`create trigger conversations_counted_insert after insert on conversations
    referencing new table as new_rows for each statement execute function conversation_rows_counted()`.execute(db);
  await sql`create trigger conversations_counted_delete after delete on conversations
    referencing old table as old_rows for each statement execute function conversation_rows_counted()`.execute(db);
  await sql`create trigger conversations_counted_status after update of status on conversations
    for each row when (old.status is distinct from new.status) execute function conversation_status_counted()`.execute(db);
  // After the triggers: their lock holds writers back, so every row is counted once.
  await sql`insert into conversation_counts (status, n) select status, count(*) from conversations group by status`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger conversations_counted_status on conversations`.execute(db);
  await sql`drop trigger conversations_counted_delete on conversations`.execute(db);
  await sql`drop trigger conversations_counted_insert on conversations`.execute(db);
  await sql`drop function conversation_status_counted()`.execute(db);
  await sql`drop function conversation_rows_counted()`.execute(db);
  await sql`drop table conversation_count_changes`.execute(db);
  await sql`drop table conversation_counts`.execute(db);
}
