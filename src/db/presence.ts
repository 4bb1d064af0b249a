import { sql, type Kysely } from 'kysely';
import type { Database, PresenceState } from './schema.js';

/** Records an agent's heartbeat on the database clock, the one every replica reads. */
export async function recordHeartbeat(db: Kysely<Database>, adminId: string, state: PresenceState): Promise<void> {
  await db
    .insertInto('agent_presence')
    .values({ admin_id: adminId, state, seen_at: sql`now()` })
    .onConflict((oc) => oc.column('admin_id').doUpdateSet({ state, seen_at: sql`now()` }))
    .execute();
}

/** Every admin who has signed in, with their last heartbeat when it is within `windowSeconds`. */
export async function listAgents(db: Kysely<Database>, windowSeconds: number) {
  return db
    .selectFrom('users')
    .leftJoin('agent_presence as p', (join) =>
      join.onRef('p.admin_id', '=', 'users.id').on('p.seen_at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`),
    )
    .select(['users.id', 'users.first_name', 'users.last_name', 'users.email', 'p.state', 'p.seen_at'])
    .where('users.role', '=', 'admin')
    .orderBy('users.first_name')
    .orderBy('users.id')
    .limit(500)
    .execute();
}

/** True when some agent's console sent an `online` heartbeat within the window. */
export async function anyAgentOnline(db: Kysely<Database>, windowSeconds: number): Promise<boolean> {
  const row = await db
    .selectFrom('agent_presence')
    .select('admin_id')
    .where('state', '=', 'online')
    .where('seen_at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
