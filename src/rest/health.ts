import Router from '@koa/router';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { isMigrated } from '../db/migrate.js';

/** Probes for orchestrators: alive (process answers) and ready (database reachable and migrated). */
export function createHealthRoutes(db: Db): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await sql`select 1`.execute(db);
      const migrated = await isMigrated(db);
      ctx.status = migrated ? 200 : 503;
      ctx.body = { status: migrated ? 'ready' : 'migrating' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unreachable' };
    }
  });
  return router;
}
