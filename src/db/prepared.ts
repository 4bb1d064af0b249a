import DataLoader from 'dataloader';
import { CompiledQuery, type Kysely } from 'kysely';
import { poolOf } from './connect.js';
import { conversationColumns } from './conversations.js';
import { messageColumns } from './message-columns.js';
import type { ConversationRow, Database, MessageRow } from './schema.js';

/**
 * Plans of named statements. PostgreSQL plans the first few executions for their values
 * and then settles on a generic plan, made for the tables as they are at that moment, and
 * keeps it until statistics change (autovacuum's ANALYZE). A generic plan made on a young
 * database (a few conversations, no messages) scans tables that are small then and large
 * later; with autovacuum lagging or off, nothing would ever replace it. So statement names
 * carry a generation that moves each time this process has doubled the rows it wrote
 * (from 256): the next execution prepares afresh, for the tables as they are now. That is
 * a few dozen re-preparations over a process's life, whatever its load.
 */
let written = 0;
let generation = 0;

/** Told by writers how many rows they added. */
export function noteRowsWritten(rows: number): void {
  written += rows;
  generation = Math.max(generation, Math.floor(Math.log2(1 + written / 256)));
}

/**
 * Runs fixed SQL on the hot paths. On PostgreSQL it is a named statement, parsed and
 * planned once per pooled connection (and generation, above) and then only bound and
 * executed, with no query builder at work per call; on PGlite, or inside a transaction,
 * the same text runs plainly. `name` must be unique per `text`.
 */
export async function runPrepared<R>(db: Kysely<Database>, name: string, text: string, values: unknown[]): Promise<R[]> {
  const pool = db.isTransaction ? undefined : poolOf(db);
  if (!pool) return (await db.executeQuery<R>(CompiledQuery.raw(text, values))).rows;
  return (await pool.query({ name: `${name}_g${generation}`, text, values })).rows as R[];
}

const CONVERSATION_SQL = `select ${conversationColumns.join(', ')} from conversations where id = $1`;

const CONVERSATIONS_SQL = `select ${conversationColumns.join(', ')} from conversations where id = any($1::uuid[])`;

/** Lookups of a kind running at once before the next ones wait to go together: a few, not the whole pool. */
const LOOKUPS_IN_FLIGHT = 4;

/**
 * Reads batched only when they queue: with fewer than four of a kind running, a read leaves
 * at once (alone, on its single statement); beyond that, the ones that arrive wait for a read
 * to return and then go in one statement. A reconnect storm (every socket of a restarted
 * replica joining and syncing) is thousands of reads in a few seconds: batched, they are a few
 * hundred statements, not thousands of round trips queued for the pool.
 */
function batchedWhenBusy<K, V>(read: (keys: readonly K[]) => Promise<V[]>): DataLoader<K, V> {
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  return new DataLoader<K, V>(
    async (keys) => {
      inFlight++;
      try {
        return await read(keys);
      } finally {
        inFlight--;
        const next = waiting;
        waiting = undefined;
        next?.();
      }
    },
    {
      cache: false,
      // DataLoader keeps one batch open at a time: it fills until this calls `dispatch`.
      batchScheduleFn: (dispatch) => {
        if (inFlight < LOOKUPS_IN_FLIGHT) process.nextTick(dispatch);
        else waiting = dispatch;
      },
    },
  );
}

interface SeqRange {
  conversationId: string;
  fromSeq: number;
  toSeq: number;
}

const MESSAGES_BY_SEQ_SQL = `select ${messageColumns.join(', ')} from messages
where conversation_id = $1 and seq >= $2 and seq <= $3 order by seq asc`;
const MESSAGES_BY_SEQ_RANGES_SQL = `select ${messageColumns.map((c) => `m.${c}`).join(', ')}
from unnest($1::uuid[], $2::int[], $3::int[]) as r(conversation_id, from_seq, to_seq)
join messages m on m.conversation_id = r.conversation_id and m.seq >= r.from_seq and m.seq <= r.to_seq
order by m.conversation_id, m.seq`;

/** One conversation, one range: the statements a lone read (or one inside a transaction) runs. */
const oneConversation = async (db: Kysely<Database>, id: string) => (await runPrepared<ConversationRow>(db, 'support_find_conversation_v2', CONVERSATION_SQL, [id]))[0];
const oneRange = (db: Kysely<Database>, { conversationId, fromSeq, toSeq }: SeqRange) =>
  runPrepared<MessageRow>(db, 'support_messages_by_seq_v2', MESSAGES_BY_SEQ_SQL, [conversationId, fromSeq, toSeq]);

const ERASED_GUESTS_SQL = `select id from guests where id = any($1::text[]) and erased_at is not null`;

function loadersOf(db: Kysely<Database>) {
  return {
    erasedGuests: batchedWhenBusy<string, boolean>(async (ids) => {
      const rows = await runPrepared<{ id: string }>(db, 'support_erased_guests_v1', ERASED_GUESTS_SQL, [[...new Set(ids)]]);
      const erased = new Set(rows.map((row) => row.id));
      return ids.map((id) => erased.has(id));
    }),
    conversations: batchedWhenBusy<string, ConversationRow | undefined>(async (ids) => {
      if (ids.length === 1) return [await oneConversation(db, ids[0]!)];
      const rows = await runPrepared<ConversationRow>(db, 'support_find_conversations_v1', CONVERSATIONS_SQL, [[...new Set(ids)]]);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    }),
    messageRanges: batchedWhenBusy<SeqRange, MessageRow[]>(async (ranges) => {
      if (ranges.length === 1) return [await oneRange(db, ranges[0]!)];
      const columns = [ranges.map((r) => r.conversationId), ranges.map((r) => r.fromSeq), ranges.map((r) => r.toSeq)];
      const rows = await runPrepared<MessageRow>(db, 'support_messages_by_seq_ranges_v1', MESSAGES_BY_SEQ_RANGES_SQL, columns);
      const byConversation = new Map<string, MessageRow[]>();
      for (const row of rows) {
        const list = byConversation.get(row.conversation_id);
        // Two ranges of one conversation bring a message once for each: rows come in seq order.
        if (list?.at(-1)?.id === row.id) continue;
        if (list) list.push(row);
        else byConversation.set(row.conversation_id, [row]);
      }
      return ranges.map((r) => (byConversation.get(r.conversationId) ?? []).filter((m) => m.seq >= r.fromSeq && m.seq <= r.toSeq));
    }),
  };
}

const loaders = new WeakMap<Kysely<Database>, ReturnType<typeof loadersOf>>();
function loaderOf(db: Kysely<Database>) {
  let found = loaders.get(db);
  if (!found) loaders.set(db, (found = loadersOf(db)));
  return found;
}

/** findConversation, prepared and batched under load: every call naming a conversation starts with it. */
export async function findConversationPrepared(db: Kysely<Database>, id: string): Promise<ConversationRow | undefined> {
  return db.isTransaction ? oneConversation(db, id) : loaderOf(db).conversations.load(id);
}

/** Messages with seq in [fromSeq, toSeq], oldest first: one range of the (conversation_id, seq) index, batched under load. */
export async function listMessagesBySeqPrepared(db: Kysely<Database>, conversationId: string, fromSeq: number, toSeq: number): Promise<MessageRow[]> {
  const range = { conversationId, fromSeq, toSeq };
  return db.isTransaction ? oneRange(db, range) : loaderOf(db).messageRanges.load(range);
}

/** Whether a guest id was erased (a data request): one index lookup, batched under load. */
export async function isErasedGuestPrepared(db: Kysely<Database>, id: string): Promise<boolean> {
  return loaderOf(db).erasedGuests.load(id);
}
