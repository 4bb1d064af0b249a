import { sql, type Kysely } from 'kysely';

/**
 * Issue 13, the agents' console: private notes, the team's saved replies, and agents' presence.
 * Notes live in a table of their own, never in `messages`: no read path a customer has can
 * return one, and none takes a `seq`, so the customer's view stays gap-free.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('author_id', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index notes_by_conversation on notes (conversation_id, created_at, id)`.execute(db);

  await db.schema
    .createTable('saved_replies')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_by', 'uuid', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // One row per agent, rewritten by each console's heartbeat: every replica reads the same truth.
  await db.schema
    .createTable('agent_presence')
    .addColumn('admin_id', 'uuid', (c) => c.primaryKey().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('online', 'away')`))
    .addColumn('seen_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('agent_presence').execute();
  await db.schema.dropTable('saved_replies').execute();
  await db.schema.dropTable('notes').execute();
}
