import Router from '@koa/router';
import { sql } from 'kysely';
import type { Db } from '../db/connect.js';
import { isMigrated } from '../db/migrate.js';
import type { Metrics } from '../ops/metrics.js';

/**
 * Probes for orchestrators: alive (the process answers), ready (database reachable and
 * migrated, and not draining), and Prometheus metrics.
 */
export function createHealthRoutes(db: Db, options: { metrics: Metrics; isDraining: () => boolean }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    if (options.isDraining()) {
      ctx.status = 503;
      ctx.body = { status: 'draining' };
      return;
    }
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
  router.get('/metrics', async (ctx) => {
    ctx.type = options.metrics.registry.contentType;
    ctx.body = await options.metrics.registry.metrics();
  });
  return router;
}
