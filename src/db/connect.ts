import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Config } from '../config.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

const pools = new WeakMap<Db, pg.Pool>();

/** The pg pool behind a database handle (none for PGlite), for pool metrics. */
export const poolOf = (db: Db): pg.Pool | undefined => pools.get(db);

const embedded = new WeakMap<Db, PGlite>();

/** The PGlite instance behind a database handle (none for PostgreSQL), for LISTEN and scripts. */
export const embeddedOf = (db: Db): PGlite | undefined => embedded.get(db);

/**
 * How long a query may wait for PostgreSQL's answer. Without a bound, a database that stops
 * answering while TCP stays open (a network partition) would hold every caller, and every
 * message batch behind it, until the kernel gives up on the connection, minutes later.
 */
export const DEFAULT_QUERY_TIMEOUT_MS = 15_000;

/** Migrations may rightly run longer than any request (an index over a large table): no query bound. */
export function withoutQueryTimeout(database: Config['database']): Config['database'] {
  return database.kind === 'postgres' ? { ...database, queryTimeoutMs: 0 } : database;
}

/**
 * PostgreSQL through `pg` when DATABASE_URL is set, else the embedded PGlite: the same
 * PostgreSQL SQL either way, so queries and migrations are written once.
 */
export function connectDatabase(database: Config['database']): Db {
  if (database.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: database.url,
      max: 10,
      // Fail fast while the database is unreachable instead of queueing callers forever.
      connectionTimeoutMillis: 5_000,
      // The client fails the query ("Query read timeout", a 503) and the pool drops the connection.
      // 0: no bound (migrations, see withoutQueryTimeout).
      query_timeout: (database.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS) || undefined,
      idleTimeoutMillis: 30_000,
    });
    // A client losing its connection (database restart, network cut) must not crash the
    // process: idle clients report to the pool, checked-out ones to their own listener.
    // The query in flight fails on its own and the pool discards the broken client.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    return db;
  }
  if (!database.dir.startsWith('memory://')) mkdirSync(database.dir, { recursive: true });
  const pglite = new PGlite(database.dir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  embedded.set(db, pglite);
  return db;
}
