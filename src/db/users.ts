import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ProfileInput {
  id: string;
  role: 'user' | 'admin';
  email: string | null;
  firstName: string | null;
  lastName: string | null;
}

/**
 * Profiles come from JWT claims: the newest claims win. Every connection and request carries
 * them, and they rarely change: a read answers most, so a reconnect storm writes nothing
 * (a write is a transaction to commit and flush, for each of thousands of sockets).
 */
export async function upsertProfile(db: Kysely<Database>, p: ProfileInput): Promise<void> {
  const stored = await db.selectFrom('users').select(['role', 'email', 'first_name', 'last_name', 'erased_at']).where('id', '=', p.id).executeTakeFirst();
  // An erased customer's claims are never stored again: their still-valid token would
  // otherwise write back, at the next request, what the erasure removed.
  if (stored?.erased_at) return;
  if (stored && stored.role === p.role && stored.email === p.email && stored.first_name === p.firstName && stored.last_name === p.lastName) return;
  await db
    .insertInto('users')
    .values({ id: p.id, role: p.role, email: p.email, first_name: p.firstName, last_name: p.lastName })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        role: eb.ref('excluded.role'),
        email: eb.ref('excluded.email'),
        first_name: eb.ref('excluded.first_name'),
        last_name: eb.ref('excluded.last_name'),
        updated_at: new Date(),
      })),
    )
    .execute();
}

export async function findProfiles(db: Kysely<Database>, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('users')
    .select(['id', 'email', 'first_name', 'last_name', 'role'])
    .where('id', 'in', ids)
    .execute();
}

/** Makes sure a user id can be referenced before that user has ever signed in. */
export async function ensureUser(db: Kysely<Database>, id: string): Promise<void> {
  await db.insertInto('users').values({ id, role: 'user', email: null, first_name: null, last_name: null }).onConflict((oc) => oc.column('id').doNothing()).execute();
}
