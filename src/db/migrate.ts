import { Migrator, type MigrationResultSet } from 'kysely';
import type { Config } from '../config.js';
import { connectDatabase, withoutQueryTimeout, type Db } from './connect.js';
import { migrateJobQueue } from './jobs.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema up to date: ours, then the job queue's. Kysely's PostgreSQL adapter holds
 * a transaction-scoped advisory lock while it migrates, and pg-boss one of its own, so
 * replicas starting together migrate once.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  await migrateJobQueue(db);
  return result;
}

/**
 * migrateToLatest for the server's own start: on PostgreSQL over a connection of its own
 * without the query timeout; PGlite is one database handle in the process, so `db` itself.
 */
export async function migrateAtStart(database: Config['database'], db: Db): Promise<void> {
  if (database.kind !== 'postgres') {
    await migrateToLatest(db);
    return;
  }
  const unbounded = connectDatabase(withoutQueryTimeout(database));
  try {
    await migrateToLatest(unbounded);
  } finally {
    await unbounded.destroy();
  }
}

/** True when every known migration has run: what readiness means for the schema. */
export async function isMigrated(db: Db): Promise<boolean> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
