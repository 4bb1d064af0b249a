import type { Kysely } from 'kysely';
import { messageColumns } from './message-columns.js';
import { noteRowsWritten, runPrepared } from './prepared.js';
import type { Database, MessageRow, MessageType, SenderType } from './schema.js';
import { followUpMessage, repliesFollowedUp } from './email-follow-ups.js';
import { messagesOutboxed, outboxMessage } from './webhooks.js';

export interface MessageToStore {
  conversationId: string;
  senderType: SenderType;
  senderId: string | null;
  guestId: string | null;
  message: string;
  messageType: MessageType;
  clientMessageId: string | null;
  /** Becomes the conversation's admin if it has none yet. */
  claimAdminId: string | null;
  /** Refuse (outcome `closed`) when the conversation is closed, checked under its row lock. */
  requireOpen?: boolean;
}

export type StoreOutcome =
  | { status: 'stored'; message: MessageRow; created: boolean }
  | { status: 'missing' }
  | { status: 'closed' };

export interface MessageWriterOptions {
  /** Most items written by one statement. */
  maxBatch?: number;
  /**
   * Conversations are spread over this many lanes, each with at most one batch in flight.
   * Batches of different lanes touch different conversations, so they never wait for each
   * other's row locks and PostgreSQL runs them side by side; within a lane, and so within
   * a conversation, batches follow one another in arrival order. One lane (the default)
   * makes the biggest batches, so the least database CPU per message: on the benchmark
   * machine it carried more load within the latency bound than three. More lanes suit a
   * database with cores to spare. PGlite has one connection: the app gives it one lane.
   */
  lanes?: number;
}

export interface MessageWriterStats {
  batches: number;
  items: number;
  /** Batches that failed as a whole and were retried item by item. */
  fallbacks: number;
  largestBatch: number;
}

interface Pending {
  item: MessageToStore;
  resolve: (outcome: StoreOutcome) => void;
  reject: (error: unknown) => void;
  /** Further sends of the same (conversation, clientMessageId) that arrived in the same batch. */
  twins?: Pending[];
}

interface BatchRow {
  idx: number;
  outcome: 'created' | 'existing' | 'missing' | 'closed';
  id: string | null;
  conversation_id: string | null;
  seq: number | null;
  sender_type: SenderType | null;
  sender_id: string | null;
  guest_id: string | null;
  message: string | null;
  message_type: MessageType | null;
  is_read: boolean | null;
  client_message_id: string | null;
  created_at: Date | null;
}

/**
 * Group commit for messages, in one statement (one round trip, one transaction, one WAL
 * flush) per batch:
 *
 * 1. `target` locks every conversation named in the batch, in id order (so two batches
 *    never deadlock). Under READ COMMITTED a row locked after waiting is re-read at its
 *    newest version, so `last_seq` is the committed one even if another writer just
 *    moved it.
 * 2. `prior` finds retries: a clientMessageId already stored in that conversation.
 * 3. `fresh` numbers the new items last_seq+1, +2, … per conversation, in arrival order.
 * 4. `inserted` writes them; `bumped` moves last_seq, lastMessageAt, updatedAt and lets the
 *    first admin claim an unassigned conversation.
 * 5. `outboxed` writes the webhook deliveries of the new messages (none without an endpoint),
 *    and `followed_up` marks conversations with an agent's reply for an email follow-up, in
 *    the same transaction: the outbox (src/db/webhooks.ts, src/db/email-follow-ups.ts).
 *
 * Every item gets one answer row: created (only what the database chose: id, seq,
 * created_at; the rest is what was sent), existing (a retry: the stored message), missing
 * or closed. A retry
 * whose original was committed by another process after this statement's snapshot is not
 * seen by `prior`, but then the unique index refuses the insert and the batch is redone
 * item by item, where each item reads under its own lock: never a duplicate, never a gap.
 */
const BATCH_SQL = `
with input as (
  select * from unnest($1::int[] || (select '{}'::int[]), $2::uuid[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::boolean[])
    as t(i, c, st, si, g, m, mt, k, a, o)
),
target as (
  select id, last_seq, status from conversations
  where id in (select c from input)
  order by id
  for update
),
allowed as (
  select i.*, t.last_seq from input i join target t on t.id = i.c
  where not i.o or t.status <> 'closed'
),
prior as (
  select a.i, m.id, m.conversation_id, m.seq, m.sender_type, m.sender_id, m.guest_id, m.message,
         m.message_type, m.is_read, m.client_message_id, m.created_at
  from allowed a join messages m on m.conversation_id = a.c and m.client_message_id = a.k
  where a.k is not null
),
fresh as (
  select a.*, a.last_seq + row_number() over (partition by a.c order by a.i) as seq
  from allowed a
  where not exists (select 1 from prior p where p.i = a.i)
),
inserted as (
  insert into messages (conversation_id, seq, sender_type, sender_id, guest_id, message, message_type, client_message_id)
  select c, seq, st, si, g, m, mt, k from fresh order by i
  returning id, conversation_id, seq, sender_type, sender_id, guest_id, message, message_type, is_read,
            client_message_id, created_at
),
bumped as (
  update conversations as c
  set last_seq = f.last_seq, last_message_at = now(), updated_at = now(),
      admin_id = coalesce(c.admin_id, f.claim)
  from (
    select c, max(seq) as last_seq, (array_agg(a order by i) filter (where a is not null))[1] as claim
    from fresh group by c
  ) f
  where c.id = f.c
  returning c.id
),
${messagesOutboxed('inserted')},
${repliesFollowedUp('inserted')}
select f.i as idx, 'created' as outcome, n.id, null::uuid as conversation_id, n.seq, null as sender_type, null::uuid as sender_id,
       null as guest_id, null as message, null as message_type, null::boolean as is_read, null::uuid as client_message_id, n.created_at
from inserted n join fresh f on f.c = n.conversation_id and f.seq = n.seq
union all
select p.i, 'existing', p.id, p.conversation_id, p.seq, p.sender_type, p.sender_id, p.guest_id,
       p.message, p.message_type, p.is_read, p.client_message_id, p.created_at
from prior p
union all
select i.i, case when exists (select 1 from target t where t.id = i.c) then 'closed' else 'missing' end,
       null, null, null, null, null, null, null, null, null, null, null
from input i where not exists (select 1 from allowed a where a.i = i.i)
`;

/** Reused by every connection of the pool: parsed and planned once per connection. */
const PREPARED_NAME = 'support_store_messages_v5';

/**
 * A batch of one (every send while the load is light): the same write without the batch
 * machinery, about 40 % less database CPU than BATCH_SQL for one item. The UPDATE locks
 * the conversation, refuses a closed one when asked to, and moves last_seq; the INSERT
 * takes the new last_seq. No row back means the message was not written (a retry of a
 * stored clientMessageId, a missing or closed conversation): storeMessageAlone then works
 * out which, under its own lock.
 */
const SINGLE_SQL = `
with bumped as (
  update conversations
  set last_seq = last_seq + 1, last_message_at = now(), updated_at = now(), admin_id = coalesce(admin_id, $8::uuid)
  where id = $1::uuid and (not $9::boolean or status <> 'closed')
    and ($7::uuid is null or not exists (select 1 from messages where conversation_id = $1::uuid and client_message_id = $7::uuid))
  returning last_seq
),
inserted as (
  insert into messages (conversation_id, seq, sender_type, sender_id, guest_id, message, message_type, client_message_id)
  select $1::uuid, last_seq, $2, $3::uuid, $4, $5, $6, $7::uuid from bumped
  returning id, conversation_id, seq, sender_type, created_at
),
${messagesOutboxed('inserted')},
${repliesFollowedUp('inserted')}
select id, seq, created_at from inserted
`;
const SINGLE_NAME = 'support_store_message_v3';

type CreatedRow = Pick<BatchRow, 'id' | 'seq' | 'created_at'>;

/**
 * Writes messages with group commit. Each conversation belongs to one of a few lanes; a
 * lane has at most one batch in flight, and the sends that arrive meanwhile wait for its
 * next batch. When its lane is idle a send is flushed at once (after the current event-loop
 * turn, which gathers every send that arrived in it), so a lone message is not delayed.
 * Results are handed back only after the batch's transaction has committed.
 *
 * A conversation is in at most one batch at a time, so sends into it keep their arrival
 * order in `seq`.
 */
export class MessageWriter {
  private readonly lanes: { queue: Pending[]; busy: boolean }[];
  private scheduled = false;
  private readonly maxBatch: number;
  readonly stats: MessageWriterStats = { batches: 0, items: 0, fallbacks: 0, largestBatch: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    options: MessageWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    const lanes = options.lanes ?? 1;
    this.lanes = Array.from({ length: lanes }, () => ({ queue: [], busy: false }));
  }

  store(item: MessageToStore): Promise<StoreOutcome> {
    return new Promise((resolve, reject) => {
      this.lanes[this.laneOf(item.conversationId)]!.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** A conversation's lane, from the last characters of its id (case does not matter). */
  private laneOf(conversationId: string): number {
    if (this.lanes.length === 1) return 0;
    let hash = 0;
    for (let i = Math.max(0, conversationId.length - 8); i < conversationId.length; i++) {
      hash = (Math.imul(hash, 31) + (conversationId.charCodeAt(i) | 0x20)) | 0;
    }
    return (hash >>> 0) % this.lanes.length;
  }

  private schedule(): void {
    if (this.scheduled || !this.lanes.some((lane) => !lane.busy && lane.queue.length > 0)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    for (const lane of this.lanes) {
      if (lane.busy || lane.queue.length === 0) continue;
      const batch = this.take(lane);
      lane.busy = true;
      void this.write(batch).finally(() => {
        lane.busy = false;
        this.schedule();
      });
    }
  }

  /** The next batch of a lane: its oldest items, at most maxBatch of them. */
  private take(lane: { queue: Pending[] }): Pending[] {
    const taken = lane.queue.length <= this.maxBatch ? lane.queue : lane.queue.slice(0, this.maxBatch);
    lane.queue = taken === lane.queue ? [] : lane.queue.slice(this.maxBatch);
    const batch: Pending[] = [];
    const byKey = new Map<string, Pending>();
    for (const p of taken) {
      // Retries of one clientMessageId in one batch share the first one's answer.
      const key = p.item.clientMessageId === null ? undefined : `${p.item.conversationId}/${p.item.clientMessageId}`.toLowerCase();
      const first = key === undefined ? undefined : byKey.get(key);
      if (first) (first.twins ??= []).push(p);
      else {
        if (key !== undefined) byKey.set(key, p);
        batch.push(p);
      }
    }
    return batch;
  }

  private async write(batch: Pending[]): Promise<void> {
    this.stats.batches++;
    this.stats.items += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    if (batch.length === 1) return this.writeOne(batch[0]!);
    let rows: BatchRow[];
    try {
      rows = await this.runBatch(batch);
    } catch (error) {
      if (!isStatementError(error)) {
        for (const p of batch) settle(p, undefined, error);
        return;
      }
      // The database refused the statement (a constraint, bad data, a race with another
      // process): redo each item alone, so one bad item fails only itself.
      this.stats.fallbacks++;
      await this.writeOneByOne(batch);
      return;
    }
    noteRowsWritten(batch.length);
    const byIdx = new Map(rows.map((row) => [row.idx, row]));
    batch.forEach((p, idx) => {
      const row = byIdx.get(idx);
      if (!row) settle(p, undefined, new Error('message batch returned no row for an item'));
      else settle(p, outcomeOf(row, p.item));
    });
  }

  private async writeOne(p: Pending): Promise<void> {
    const m = p.item;
    let row: CreatedRow | undefined;
    try {
      [row] = await runPrepared<CreatedRow>(this.db, SINGLE_NAME, SINGLE_SQL, [
        m.conversationId, m.senderType, m.senderId, m.guestId, m.message, m.messageType, m.clientMessageId, m.claimAdminId, m.requireOpen === true,
      ]);
    } catch (error) {
      if (!isStatementError(error)) return settle(p, undefined, error);
      this.stats.fallbacks++;
    }
    if (row) noteRowsWritten(1);
    try {
      settle(p, row ? createdOutcome(row, m) : await storeMessageAlone(this.db, m));
    } catch (error) {
      settle(p, undefined, error);
    }
  }

  private async runBatch(batch: Pending[]): Promise<BatchRow[]> {
    // One array per column. The planner estimates `unnest` of a batch at about 10 rows (the
    // first array goes through a subquery, so even a plan made for the values cannot count
    // it): index lookups, not hash joins over whole tables. As custom and generic plans then
    // cost the same, PostgreSQL keeps the generic one and plans nothing per batch.
    const n = batch.length;
    const columns = Array.from({ length: 10 }, () => new Array<unknown>(n));
    batch.forEach(({ item: m }, i) => {
      columns[0]![i] = i;
      columns[1]![i] = m.conversationId;
      columns[2]![i] = m.senderType;
      columns[3]![i] = m.senderId;
      columns[4]![i] = m.guestId;
      columns[5]![i] = m.message;
      columns[6]![i] = m.messageType;
      columns[7]![i] = m.clientMessageId;
      columns[8]![i] = m.claimAdminId;
      columns[9]![i] = m.requireOpen === true;
    });
    return runPrepared<BatchRow>(this.db, PREPARED_NAME, BATCH_SQL, columns);
  }

  private async writeOneByOne(batch: Pending[]): Promise<void> {
    // Per conversation in arrival order; conversations side by side.
    const chains = new Map<string, Pending[]>();
    for (const p of batch) {
      const chain = chains.get(p.item.conversationId);
      if (chain) chain.push(p);
      else chains.set(p.item.conversationId, [p]);
    }
    await Promise.all(
      [...chains.values()].map(async (chain) => {
        for (const p of chain) {
          try {
            settle(p, await storeMessageAlone(this.db, p.item));
          } catch (error) {
            settle(p, undefined, error);
          }
        }
      }),
    );
  }
}

function settle(p: Pending, outcome: StoreOutcome | undefined, error?: unknown): void {
  if (outcome === undefined) {
    p.reject(error);
    for (const twin of p.twins ?? []) twin.reject(error);
    return;
  }
  p.resolve(outcome);
  // A retry in the same batch gets the stored message, and is not a second creation.
  const again: StoreOutcome = outcome.status === 'stored' ? { ...outcome, created: false } : outcome;
  for (const twin of p.twins ?? []) twin.resolve(again);
}

function outcomeOf(row: BatchRow, item: MessageToStore): StoreOutcome {
  if (row.outcome === 'missing') return { status: 'missing' };
  if (row.outcome === 'closed') return { status: 'closed' };
  if (row.outcome === 'created') return createdOutcome(row, item);
  const message: MessageRow = {
    id: row.id!,
    conversation_id: row.conversation_id!,
    seq: Number(row.seq),
    sender_type: row.sender_type!,
    sender_id: row.sender_id,
    guest_id: row.guest_id,
    message: row.message!,
    message_type: row.message_type!,
    is_read: row.is_read!,
    client_message_id: row.client_message_id,
    created_at: row.created_at instanceof Date ? row.created_at : new Date(row.created_at!),
  };
  return { status: 'stored', message, created: false };
}

/** A new message: only what the database chose (id, seq, created_at) comes back; the rest is what was sent. */
function createdOutcome(row: CreatedRow, item: MessageToStore): StoreOutcome {
  // Uuids read back as PostgreSQL writes them (lower case).
  const message: MessageRow = {
    id: row.id!,
    conversation_id: item.conversationId.toLowerCase(),
    seq: Number(row.seq),
    sender_type: item.senderType,
    sender_id: item.senderId?.toLowerCase() ?? null,
    guest_id: item.guestId,
    message: item.message,
    message_type: item.messageType,
    is_read: false,
    client_message_id: item.clientMessageId?.toLowerCase() ?? null,
    created_at: row.created_at instanceof Date ? row.created_at : new Date(row.created_at!),
  };
  return { status: 'stored', message, created: true };
}

/**
 * True when the database answered and refused the statement (an SQLSTATE outside the
 * connection, resource and shutdown classes): worth redoing item by item. A lost or
 * refused connection fails every item alike, so it is passed on as it is.
 */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57|58|XX)/.test(code);
}

/**
 * One message in its own transaction: lock the conversation row, look for a retry, insert
 * with the next seq, move the conversation. The batch's fallback, and the path for
 * callers already inside a transaction.
 */
export async function storeMessageAlone(db: Kysely<Database>, m: MessageToStore): Promise<StoreOutcome> {
  const run = async (trx: Kysely<Database>): Promise<StoreOutcome> => {
    const conversation = await trx
      .selectFrom('conversations')
      .select(['last_seq', 'status'])
      .where('id', '=', m.conversationId)
      .forUpdate()
      .executeTakeFirst();
    if (!conversation) return { status: 'missing' };
    if (m.requireOpen && conversation.status === 'closed') return { status: 'closed' };

    if (m.clientMessageId) {
      const earlier = await trx
        .selectFrom('messages')
        .select(messageColumns)
        .where('conversation_id', '=', m.conversationId)
        .where('client_message_id', '=', m.clientMessageId)
        .executeTakeFirst();
      if (earlier) return { status: 'stored', message: earlier, created: false };
    }

    const seq = conversation.last_seq + 1;
    const message = await trx
      .insertInto('messages')
      .values({
        conversation_id: m.conversationId,
        seq,
        sender_type: m.senderType,
        sender_id: m.senderId,
        guest_id: m.guestId,
        message: m.message,
        message_type: m.messageType,
        client_message_id: m.clientMessageId,
      })
      .returning(messageColumns)
      .executeTakeFirstOrThrow();
    await outboxMessage(trx, message);
    await followUpMessage(trx, message);

    await trx
      .updateTable('conversations')
      .set((eb) => ({
        last_seq: seq,
        last_message_at: message.created_at,
        updated_at: message.created_at,
        admin_id: m.claimAdminId ? eb.fn.coalesce('admin_id', eb.val(m.claimAdminId)) : eb.ref('admin_id'),
      }))
      .where('id', '=', m.conversationId)
      .execute();

    return { status: 'stored', message, created: true };
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}


const writers = new WeakMap<Kysely<Database>, MessageWriter>();

/**
 * The one writer of a database handle: every sender in the process shares its batches.
 * `options` count only on the first call (the app makes it at start).
 */
export function messageWriterFor(db: Kysely<Database>, options?: MessageWriterOptions): MessageWriter {
  let writer = writers.get(db);
  if (!writer) {
    writer = new MessageWriter(db, options);
    writers.set(db, writer);
  }
  return writer;
}
