import { sql, type Kysely } from 'kysely';

// Frozen once shipped: later changes go in a new, later-dated migration.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('first_name', 'text')
    .addColumn('last_name', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('user', 'admin')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('guests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('conversations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('guest_id', 'text', (c) => c.references('guests.id'))
    .addColumn('admin_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('general', 'onboarding', 'call_request')`))
    .addColumn('subject', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open', 'pending', 'closed')`))
    .addColumn('priority', 'text', (c) =>
      c.notNull().defaultTo('normal').check(sql`priority in ('low', 'normal', 'high', 'urgent')`),
    )
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_message_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // Exactly one owner: a user or a guest.
    .addCheckConstraint('conversations_one_owner', sql`(user_id is null) <> (guest_id is null)`)
    .execute();

  // One open (or pending) conversation per owner and type, enforced where races cannot reach.
  await sql`create unique index conversations_one_open_per_user on conversations (user_id, type)
    where user_id is not null and status in ('open', 'pending')`.execute(db);
  await sql`create unique index conversations_one_open_per_guest on conversations (guest_id, type)
    where guest_id is not null and status in ('open', 'pending')`.execute(db);
  await sql`create index conversations_user_created on conversations (user_id, created_at desc)`.execute(db);
  await sql`create index conversations_guest_created on conversations (guest_id, created_at desc)`.execute(db);
  // The agents' inbox lists by recent activity.
  await sql`create index conversations_inbox on conversations (status, last_message_at desc nulls last, id)`.execute(db);

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('sender_type', 'text', (c) => c.notNull().check(sql`sender_type in ('user', 'admin', 'guest', 'system')`))
    .addColumn('sender_id', 'uuid')
    .addColumn('guest_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('message_type', 'text', (c) =>
      c.notNull().check(sql`message_type in ('text', 'file', 'system', 'auth_code')`),
    )
    .addColumn('is_read', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('client_message_id', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // History, sync and paging all read by (conversation, seq); the constraint's index serves them.
    .addUniqueConstraint('messages_conversation_seq', ['conversation_id', 'seq'])
    .addUniqueConstraint('messages_conversation_client_id', ['conversation_id', 'client_message_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages').execute();
  await db.schema.dropTable('conversations').execute();
  await db.schema.dropTable('guests').execute();
  await db.schema.dropTable('users').execute();
}
