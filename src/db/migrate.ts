import { Migrator, type MigrationResultSet } from 'kysely';
import type { Db } from './connect.js';
import { migrations } from './migrations/index.js';

/**
 * Brings the schema up to date. Kysely's PostgreSQL adapter holds a transaction-scoped
 * advisory lock while it migrates, so replicas starting together migrate once.
 */
export async function migrateToLatest(db: Db): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) throw result.error;
  return result;
}

/** True when every known migration has run: what readiness means for the schema. */
export async function isMigrated(db: Db): Promise<boolean> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
