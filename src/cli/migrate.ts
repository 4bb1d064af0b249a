import { loadConfig } from '../config.js';
import { connectDatabase, withoutQueryTimeout } from '../db/connect.js';
import { migrateToLatest } from '../db/migrate.js';

const db = connectDatabase(withoutQueryTimeout(loadConfig().database));
try {
  const { results } = await migrateToLatest(db);
  for (const r of results ?? []) console.log(`${r.status}: ${r.migrationName}`);
  if (!results?.length) console.log('Schema is up to date');
} finally {
  await db.destroy();
}
