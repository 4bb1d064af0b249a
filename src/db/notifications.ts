import pg from 'pg';
import type { Config } from '../config.js';
import { embeddedOf, type Db } from './connect.js';

export interface Listening {
  close(): Promise<void>;
}

const RECONNECT_MS = 1_000;

/**
 * Calls each channel's handler for each NOTIFY on it, delivered at its transaction's commit.
 * On PostgreSQL a connection of its own (a pooled one would be lent to others), opened again
 * after a loss; what was notified meanwhile is found by the caller's own sweep.
 */
export async function listenFor(
  db: Db,
  database: Config['database'],
  channels: Record<string, (payload: string) => void>,
  onError: (error: unknown) => void,
): Promise<Listening> {
  const pglite = embeddedOf(db);
  if (pglite) {
    // Through Kysely's lock, so LISTEN never runs inside another caller's transaction.
    const unlisten = await db.connection().execute(() => Promise.all(Object.entries(channels).map(([channel, handler]) => pglite.listen(channel, handler))));
    return { close: () => db.connection().execute(async () => void (await Promise.all(unlisten.map((stop) => stop())))) };
  }
  if (database.kind !== 'postgres') throw new Error('a PGlite handle was expected');

  let client: pg.Client | undefined;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: database.url });
    next.on('notification', (message) => {
      if (message.payload !== undefined) channels[message.channel]?.(message.payload);
    });
    next.on('error', (error) => {
      onError(error);
      void next.end().catch(() => {});
      if (!closed && client === next) retry = setTimeout(() => void connect().catch(reconnectLater), RECONNECT_MS);
    });
    client = next;
    await next.connect();
    for (const channel of Object.keys(channels)) await next.query(`listen ${pg.escapeIdentifier(channel)}`);
  };
  const reconnectLater = (error: unknown) => {
    onError(error);
    if (!closed) retry = setTimeout(() => void connect().catch(reconnectLater), RECONNECT_MS);
  };
  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
