import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Records a guest id the server issued; idempotent, so a known guest can be re-recorded. */
export async function recordGuest(db: Kysely<Database>, id: string): Promise<void> {
  await db.insertInto('guests').values({ id }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** The address a guest gave for follow-up emails, if any, and whether they confirmed it. */
export async function guestEmailOf(db: Kysely<Database>, id: string): Promise<{ email: string; confirmed: boolean } | null> {
  const row = await db.selectFrom('guests').select(['email', 'email_confirmed_at']).where('id', '=', id).executeTakeFirst();
  return row?.email ? { email: row.email, confirmed: row.email_confirmed_at !== null } : null;
}
