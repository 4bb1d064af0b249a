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

/** findConversation, prepared: every call naming a conversation starts with it. */
export async function findConversationPrepared(db: Kysely<Database>, id: string): Promise<ConversationRow | undefined> {
  return (await runPrepared<ConversationRow>(db, 'support_find_conversation_v2', CONVERSATION_SQL, [id]))[0];
}

const MESSAGES_BY_SEQ_SQL = `select ${messageColumns.join(', ')} from messages
where conversation_id = $1 and seq >= $2 and seq <= $3 order by seq asc`;

/** Messages with seq in [fromSeq, toSeq], oldest first: one range of the (conversation_id, seq) index. */
export async function listMessagesBySeqPrepared(db: Kysely<Database>, conversationId: string, fromSeq: number, toSeq: number): Promise<MessageRow[]> {
  return runPrepared<MessageRow>(db, 'support_messages_by_seq_v2', MESSAGES_BY_SEQ_SQL, [conversationId, fromSeq, toSeq]);
}
