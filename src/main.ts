import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { connectDatabase } from './db/connect.js';
import { migrateAtStart } from './db/migrate.js';
import { createLogger } from './ops/logger.js';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  // Nothing a client sends may take the process down; a stray rejection is a bug to log.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled rejection'));

  const db = connectDatabase(config.database);
  await migrateAtStart(config.database, db);
  const app = createApp(config, db, { log });
  // A replica that restarts gets its sockets back all at once: Node's default backlog (511)
  // overflowed, and each connection the kernel dropped waited out SYN-ACK retries (up to 63 s,
  // then an error). The kernel caps it at net.core.somaxconn (4096 on current kernels).
  await new Promise<void>((resolve) => app.httpServer.listen({ port: config.port, host: config.host, backlog: 4096 }, resolve));

  const where = config.database.kind === 'postgres' ? 'PostgreSQL' : `embedded PGlite in ${config.database.dir}`;
  log.info({ port: config.port, host: config.host, database: config.database.kind, redis: !!config.redisUrl }, `listening (${where})`);
  if (app.inbound && config.inbound) {
    const { port } = await app.inbound.listen(config.inbound.port, config.inbound.host);
    log.info({ port, host: config.inbound.host, domain: config.inbound.domain }, 'listening for email replies (SMTP)');
  }
  if (config.generatedDevSecret) {
    log.info('generated a development JWT secret in the data folder; mint a token with: npm run token -- --role admin');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'draining');
    // Past the deadline the process leaves anyway: the orchestrator would kill it soon after.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 2_000).unref();
    await app.drain(config.shutdownTimeoutMs);
    await db.destroy();
    log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
