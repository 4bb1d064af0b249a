import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Records a guest id the server issued; idempotent, so a known guest can be re-recorded. */
export async function recordGuest(db: Kysely<Database>, id: string): Promise<void> {
  await db.insertInto('guests').values({ id }).onConflict((oc) => oc.column('id').doNothing()).execute();
}
