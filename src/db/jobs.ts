import { CompiledQuery, sql } from 'kysely';
import PgBoss from 'pg-boss';
import { embeddedOf, type Db } from './connect.js';

/** pg-boss's view of our database, and the way to let go of it. */
export interface JobDatabase extends PgBoss.Db {
  /** Waits for the statements under way, then answers every later one with no rows. */
  close(): Promise<void>;
}

/**
 * pg-boss over our own database handle rather than a pool of its own: on PostgreSQL it
 * shares the pool, on PGlite the one connection (through Kysely, so a job never lands in
 * the middle of someone else's transaction), and a job can be sent inside a transaction.
 */
export function jobDatabase(db: Db): JobDatabase {
  const pglite = embeddedOf(db);
  const underWay = new Set<Promise<unknown>>();
  let closed = false;
  const run = async (text: string, values: unknown[]) => {
    // pg-boss's schema changes are several statements in one text, which only the simple
    // protocol takes: pg uses it when there are no values, PGlite through exec().
    if (pglite && values.length === 0 && !db.isTransaction) {
      return db.connection().execute(async () => ({ rows: (await pglite.exec(text)).at(-1)?.rows ?? [] }));
    }
    return { rows: (await db.executeQuery(CompiledQuery.raw(text, values))).rows as unknown[] as never[] };
  };
  return {
    executeSql(text, values = []) {
      // pg-boss 10 does not await a job's completion before its worker counts as idle, so
      // its stop() can return with that UPDATE still running, and the job's handler can
      // finish after a stop that timed out. Both must not reach a database handle the
      // caller is about to destroy: a late completion is dropped, and the job, already
      // failed by the stop, is retried. (pg-boss counts a result without rows as
      // "nothing affected"; an empty array would make it read a count from no row.)
      if (closed) return Promise.resolve({ rows: undefined as unknown as never[] });
      const statement = run(text, values);
      underWay.add(statement);
      void statement.finally(() => underWay.delete(statement)).catch(() => {});
      return statement;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...underWay]);
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

/** A queue client that runs jobs (the schema is already there: migrateJobQueue), and its stop. */
export function createJobQueue(db: Db, options: Pick<PgBoss.ConstructorOptions, 'schedule' | 'supervise'> = {}) {
  const database = jobDatabase(db);
  const boss = new PgBoss({ db: database, migrate: false, ...options });
  return {
    boss,
    /** Running jobs get `timeoutMs` to finish; those that do not are failed, to be retried. */
    async stop(timeoutMs: number) {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: false, wait: true });
      await database.close();
    },
  };
}
