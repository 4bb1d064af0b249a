import { sql, type Kysely } from 'kysely';

/**
 * The full-text index's pending list (GIN `fastupdate`) is merged into the index by
 * whichever insert finds it over `gin_pending_list_limit`: that batch of messages, and the
 * sends queued behind it, stall for ~100 ms, every few seconds at a few thousand messages a
 * second (measured with `npm run bench`: p99 25-36 ms and max ~100 ms at 7,000 msgs/s with
 * the list, 14-20 ms and ~35 ms without, for the same CPU). Without the list each insert
 * updates the index itself: the same work, spread evenly.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter index messages_body_search set (fastupdate = off)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter index messages_body_search reset (fastupdate)`.execute(db);
}
