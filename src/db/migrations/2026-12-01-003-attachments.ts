import { sql, type Kysely } from 'kysely';

/**
 * Issue 14, attachments. An upload is a row from the moment it is asked for (`pending`), so
 * its limits, its owner and its lifetime are known before a byte arrives; it becomes `ready`
 * once its bytes were checked, and belongs to a message once sent. Messages keep no copy:
 * the few pages that hold a file message read this table, text messages cost nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('uploader_type', 'text', (c) => c.notNull().check(sql`uploader_type in ('user', 'admin', 'guest')`))
    .addColumn('uploader_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('declared_type', 'text', (c) => c.notNull())
    .addColumn('declared_size', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'ready')`))
    .addColumn('content_type', 'text')
    .addColumn('size', 'integer')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('has_thumbnail', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('message_id', 'uuid', (c) => c.references('messages.id').onDelete('set null'))
    .addColumn('position', 'smallint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Partial indexes: most rows are attached (the sweeper's index stays small) and most
  // messages have no attachment (the message lookup's index holds only file messages).
  await sql`create index attachments_by_message on attachments (message_id, position) where message_id is not null`.execute(db);
  await sql`create index attachments_unattached on attachments (created_at) where message_id is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('attachments').execute();
}
