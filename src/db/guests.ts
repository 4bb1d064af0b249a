import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Records a guest id the server issued; idempotent, so a known guest can be re-recorded. */
export async function recordGuest(db: Kysely<Database>, id: string): Promise<void> {
  await db.insertInto('guests').values({ id }).onConflict((oc) => oc.column('id').doNothing()).execute();
}

/** The address a guest gave for follow-up emails, if any. */
export async function guestEmailOf(db: Kysely<Database>, id: string): Promise<string | null> {
  const row = await db.selectFrom('guests').select('email').where('id', '=', id).executeTakeFirst();
  return row?.email ?? null;
}
