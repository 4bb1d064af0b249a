import { loadConfig, ConfigError } from './config.js';
import { createApp } from './app.js';
import { connectDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';

async function main() {
  const config = loadConfig();
  const db = connectDatabase(config.database);
  await migrateToLatest(db);
  const app = createApp(config, db);
  await new Promise<void>((resolve) => app.httpServer.listen(config.port, config.host, resolve));

  const where = config.database.kind === 'postgres' ? 'PostgreSQL' : `embedded PGlite in ${config.database.dir}`;
  console.log(`Support API listening on http://${config.host}:${config.port} (${where})`);
  if (config.generatedDevSecret) {
    console.log('Generated a development JWT secret in the data folder. Mint a token with: npm run token -- --role admin');
  }

  const shutdown = async () => {
    await app.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
