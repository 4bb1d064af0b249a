/** Where the tests find the services some of them need beyond the embedded database. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Replicas need a database that several processes share: PostgreSQL, even on the PGlite run. */
export const SHARED_PG_URL = process.env.DATABASE_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Debian's Chromium, driven by playwright-core: nothing is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
