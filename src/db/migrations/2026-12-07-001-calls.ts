import { sql, type Kysely } from 'kysely';

/**
 * Issue 15, call requests and in-app calls. One row per call: a customer's request (with the
 * time they would like, a phone number and a note) that an agent then rings, schedules,
 * calls back by phone or declines; or a call an agent rings directly. The row is the record
 * the history keeps; the media never touches the server.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('requested', 'scheduled', 'ringing', 'in_progress', 'completed', 'missed', 'cancelled', 'declined')`),
    )
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('customer', 'agent')`))
    .addColumn('preferred_at', 'timestamptz')
    .addColumn('time_zone', 'text')
    .addColumn('phone', 'text')
    .addColumn('note', 'text')
    .addColumn('scheduled_at', 'timestamptz')
    .addColumn('decline_message', 'text')
    .addColumn('agent_id', 'uuid', (c) => c.references('users.id'))
    // Which browser tab speaks for each side: a side that reloads rejoins with a new peer id,
    // and the old tab's signals are refused from then on.
    .addColumn('agent_peer', 'text')
    .addColumn('customer_peer', 'text')
    .addColumn('agent_seen_at', 'timestamptz')
    .addColumn('customer_seen_at', 'timestamptz')
    .addColumn('rang_at', 'timestamptz')
    .addColumn('answered_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by', 'text', (c) => c.check(sql`ended_by in ('customer', 'agent', 'system')`))
    .addColumn('end_reason', 'text')
    // Bumped by every change: clients order what they hear by it, not by replicas' clocks.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One call at a time per conversation: a second request or ring while one is live conflicts.
  await sql`create unique index calls_one_live_per_conversation on calls (conversation_id)
    where status in ('requested', 'scheduled', 'ringing', 'in_progress')`.execute(db);
  await sql`create index calls_by_conversation on calls (conversation_id, created_at)`.execute(db);
  // The sweep (rings unanswered, parties gone) and the agents' pending list read only live rows.
  await sql`create index calls_live on calls (status, updated_at)
    where status in ('requested', 'scheduled', 'ringing', 'in_progress')`.execute(db);

  // Call events reach webhooks from the same outbox as conversations' (issue 16), in order with
  // the conversation's other events (its stream): each status change, written in its transaction.
  await sql`create function call_outboxed() returns trigger language plpgsql as $$
    begin
      insert into webhook_deliveries (endpoint_id, stream_key, event_type, conversation_id, data)
      select e.id, new.conversation_id::text, 'call.updated', new.conversation_id,
        jsonb_build_object('callId', new.id, 'status', jsonb_build_object('from', case when tg_op = 'UPDATE' then old.status end, 'to', new.status))
      from webhook_endpoints e where e.enabled and 'call.updated' = any (e.events);
      return null;
    end $$`.execute(db);
  await sql`create trigger calls_outboxed_insert after insert on calls for each row execute function call_outboxed()`.execute(db);
  await sql`create trigger calls_outboxed_update after update of status on calls
    for each row when (old.status is distinct from new.status) execute function call_outboxed()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calls').execute();
  await sql`drop function call_outboxed()`.execute(db);
}
