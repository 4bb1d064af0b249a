import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('auth_codes')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.references('users.id'))
    .addColumn('guest_id', 'text', (c) => c.references('guests.id'))
    .addColumn('conversation_id', 'uuid', (c) => c.references('conversations.id').onDelete('set null'))
    .addColumn('device_info', 'jsonb')
    .addColumn('created_by', 'uuid', (c) => c.references('users.id'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('burnt_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // No two unspent codes share digits, so a bare code names exactly one owner.
  await sql`create unique index auth_codes_live_hash on auth_codes (code_hash)
    where used_at is null and burnt_at is null`.execute(db);
  await sql`create index auth_codes_live_user on auth_codes (user_id) where used_at is null and burnt_at is null`.execute(db);
  await sql`create index auth_codes_live_guest on auth_codes (guest_id) where used_at is null and burnt_at is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('auth_codes').execute();
}
