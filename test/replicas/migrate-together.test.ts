import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connectDatabase, type Db } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { canRun, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase } from '../support/server.js';

/**
 * Replicas of a new deployment start together on an empty database and each migrates at
 * start: every one must succeed, ours and the job queue's schema installed once.
 */
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
const handles: Db[] = [];
beforeAll(async () => {
  scratch = await createScratchDatabase(SHARED_PG_URL);
});
afterAll(async () => {
  await Promise.all(handles.map((db) => db.destroy()));
  await scratch?.drop();
});

describe.runIf(canRun('replicas'))('replicas migrating at once', () => {
  it('four handles migrate the same empty database at the same moment, and all succeed', async () => {
    for (let i = 0; i < 4; i++) handles.push(connectDatabase({ kind: 'postgres', url: scratch.url }));
    const results = await Promise.allSettled(handles.map((db) => migrateToLatest(db)));
    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok']);
    const version = await sql<{ version: number }>`select version from pgboss.version`.execute(handles[0]!);
    expect(version.rows).toHaveLength(1);
  });
});
