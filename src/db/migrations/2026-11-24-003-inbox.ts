import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Read positions, one per side: unread = last_seq - the side's position, no row counting.
  await db.schema
    .alterTable('conversations')
    .addColumn('customer_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('agent_read_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // The inbox filters by assignee and orders by activity; keyset paging reads this index.
  await sql`create index conversations_inbox_assignee on conversations (admin_id, last_message_at desc nulls last, id)`.execute(db);
  await sql`create index conversations_activity on conversations (last_message_at desc nulls last, id)`.execute(db);
  // Full-text search over message bodies.
  await sql`create index messages_body_search on messages using gin (to_tsvector('simple', message))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index messages_body_search`.execute(db);
  await sql`drop index conversations_activity`.execute(db);
  await sql`drop index conversations_inbox_assignee`.execute(db);
  await db.schema.alterTable('conversations').dropColumn('agent_read_seq').dropColumn('customer_read_seq').execute();
}
