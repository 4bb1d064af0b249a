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
  // One way back from any failure: the broken client ends, and one timer opens the next.
  const lost = (broken: pg.Client, error: unknown) => {
    if (client !== broken) return;
    client = undefined;
    onError(error);
    void broken.end().catch(() => {});
    if (!closed && !retry) retry = setTimeout(() => void connect().catch(() => {}), RECONNECT_MS);
  };
  const connect = async (): Promise<void> => {
    retry = undefined;
    if (closed) return;
    // keepAlive: a half-open connection (a silent network cut) is noticed instead of waited on.
    const next = new pg.Client({ connectionString: database.url, keepAlive: true });
    client = next;
    next.on('notification', (message) => {
      if (message.payload !== undefined) channels[message.channel]?.(message.payload);
    });
    next.on('error', (error) => lost(next, error));
    try {
      await next.connect();
      for (const channel of Object.keys(channels)) await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      lost(next, error);
      throw error;
    }
  };
  try {
    await connect();
  } catch (error) {
    // The caller learns of it now; nothing keeps trying behind its back.
    closed = true;
    clearTimeout(retry);
    throw error;
  }
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
