import { sql, type Kysely } from 'kysely';

/**
 * Issue 16: webhooks out, on a transactional outbox. A change that some endpoint wants writes
 * its delivery rows in its own transaction: conversation changes through the triggers below,
 * messages in the message writer's statements (a trigger there would cost every send a
 * function call and a transition table; a join with an empty table costs next to nothing).
 * Each new delivery row notifies `webhook_outbox` at commit, which wakes the job queue.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table webhook_endpoints (
    id uuid primary key default gen_random_uuid(),
    url text not null,
    description text not null default '',
    events text[] not null,
    secret text not null,
    enabled boolean not null default true,
    disabled_reason text,
    failing_since timestamptz,
    created_by uuid not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`.execute(db);
  // seq orders a stream (one endpoint, one conversation): deliveries leave in that order.
  await sql`create table webhook_deliveries (
    id uuid primary key default gen_random_uuid(),
    seq bigint generated always as identity,
    endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
    stream_key text not null,
    event_type text not null,
    conversation_id uuid,
    message_id uuid,
    data jsonb,
    status text not null default 'pending',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    last_attempt_at timestamptz,
    last_status integer,
    last_response text,
    last_error text,
    created_at timestamptz not null default now(),
    delivered_at timestamptz
  )`.execute(db);
  await sql`create index webhook_deliveries_pending on webhook_deliveries (endpoint_id, stream_key, seq) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_recent on webhook_deliveries (endpoint_id, seq desc)`.execute(db);
  // One worker drains a stream at a time: it holds the lease (renewed per delivery) until done.
  await sql`create table webhook_streams (
    endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
    stream_key text not null,
    lease uuid not null,
    leased_until timestamptz not null,
    primary key (endpoint_id, stream_key)
  )`.execute(db);

  await sql`create function webhook_delivery_queued() returns trigger language plpgsql as $$
    begin
      perform pg_notify('webhook_outbox', new.endpoint_id::text || ' ' || new.stream_key);
      return null;
    end $$`.execute(db);
  await sql`create trigger webhook_deliveries_queued after insert on webhook_deliveries
    for each row execute function webhook_delivery_queued()`.execute(db);

  // What changed is kept as it was at the change; the conversation itself is read at delivery.
  await sql`create function conversation_outboxed() returns trigger language plpgsql as $$
    declare
      kind text;
      changes jsonb;
    begin
      if tg_op = 'INSERT' then
        kind := 'conversation.created';
        changes := jsonb_build_object('status', new.status);
      else
        kind := case when new.status = 'closed' and old.status <> 'closed' then 'conversation.closed' else 'conversation.updated' end;
        changes := jsonb_strip_nulls(jsonb_build_object(
          'status', case when old.status is distinct from new.status then jsonb_build_object('from', old.status, 'to', new.status) end,
          'adminId', case when old.admin_id is distinct from new.admin_id then jsonb_build_object('from', old.admin_id, 'to', new.admin_id) end,
          'priority', case when old.priority is distinct from new.priority then jsonb_build_object('from', old.priority, 'to', new.priority) end));
      end if;
      insert into webhook_deliveries (endpoint_id, stream_key, event_type, conversation_id, data)
      select e.id, new.id::text, kind, new.id, changes
      from webhook_endpoints e where e.enabled and kind = any (e.events);
      return null;
    end $$`.execute(db);
  await sql`create trigger conversations_outboxed_insert after insert on conversations
    for each row execute function conversation_outboxed()`.execute(db);
  // The message path updates last_seq and friends: PostgreSQL checks the column list and WHEN
  // before calling anything, so a send that claims nothing costs nothing here.
  await sql`create trigger conversations_outboxed_update after update of status, admin_id, priority on conversations
    for each row when (old.status is distinct from new.status or old.admin_id is distinct from new.admin_id or old.priority is distinct from new.priority)
    execute function conversation_outboxed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger conversations_outboxed_update on conversations`.execute(db);
  await sql`drop trigger conversations_outboxed_insert on conversations`.execute(db);
  await sql`drop function conversation_outboxed()`.execute(db);
  await sql`drop table webhook_streams`.execute(db);
  await sql`drop table webhook_deliveries`.execute(db);
  await sql`drop function webhook_delivery_queued()`.execute(db);
  await sql`drop table webhook_endpoints`.execute(db);
}
