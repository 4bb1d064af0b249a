import { sql, type Kysely } from 'kysely';

/**
 * Issue 18: a customer who was offline when an agent sent a code must still find it in their
 * history. The digits are kept sealed (AES-GCM under a server key, never in the clear) beside
 * their hash, and the code names the `auth_code` message that announced it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('auth_codes')
    .addColumn('code_sealed', 'text')
    .addColumn('message_id', 'uuid', (c) => c.references('messages.id').onDelete('set null'))
    .execute();
  // Most codes are found by their message once, from an owner's history page.
  await sql`create index auth_codes_by_message on auth_codes (message_id) where message_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_codes').dropColumn('message_id').dropColumn('code_sealed').execute();
}
