import { CompiledQuery, sql } from 'kysely';
import PgBoss from 'pg-boss';
import { embeddedOf, type Db } from './connect.js';

/**
 * pg-boss over our own database handle rather than a pool of its own: on PostgreSQL it
 * shares the pool, on PGlite the one connection (through Kysely, so a job never lands in
 * the middle of someone else's transaction), and a job can be sent inside a transaction.
 */
export function jobDatabase(db: Db): PgBoss.Db {
  const pglite = embeddedOf(db);
  return {
    async executeSql(text, values = []) {
      // pg-boss's schema changes are several statements in one text, which only the simple
      // protocol takes: pg uses it when there are no values, PGlite through exec().
      if (pglite && values.length === 0 && !db.isTransaction) {
        return db.connection().execute(async () => ({ rows: (await pglite.exec(text)).at(-1)?.rows ?? [] }));
      }
      return { rows: (await db.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[] as never[] };
    },
  };
}

/** Any fixed key: one migration of the job queue at a time, across every replica. */
const JOB_QUEUE_MIGRATION_LOCK = 7_164_220_161;

/**
 * Installs or upgrades pg-boss's own schema (`pgboss`): part of migrating. pg-boss decides
 * "install" or "upgrade" before taking its own lock, so two replicas starting at once would
 * both install (and one fail on the schema the other just made): on PostgreSQL the whole
 * step runs under a session lock of ours, on a connection held for it. PGlite is one process.
 */
export async function migrateJobQueue(db: Db): Promise<void> {
  const run = async () => {
    const boss = new PgBoss({ db: jobDatabase(db), supervise: false, schedule: false, migrate: true });
    await boss.start();
    await boss.stop({ graceful: false, close: false, wait: true });
  };
  if (embeddedOf(db)) return run();
  await db.connection().execute(async (lockHolder) => {
    await sql`select pg_advisory_lock(${JOB_QUEUE_MIGRATION_LOCK})`.execute(lockHolder);
    try {
      await run();
    } finally {
      await sql`select pg_advisory_unlock(${JOB_QUEUE_MIGRATION_LOCK})`.execute(lockHolder);
    }
  });
}

/** A queue client that runs jobs: the schema is already there (migrateJobQueue). */
export function createJobQueue(db: Db, options: Pick<PgBoss.ConstructorOptions, 'schedule' | 'supervise'> = {}): PgBoss {
  return new PgBoss({ db: jobDatabase(db), migrate: false, ...options });
}
