import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ConversationPriority, ConversationStatus, ConversationType, Database, MessageType, SenderType } from './schema.js';

export interface InboxFilter {
  status?: ConversationStatus;
  type?: ConversationType;
  priority?: ConversationPriority;
  /** `none`: unassigned; a uuid: that admin's conversations. */
  assignee?: 'none' | string;
  /** Full-text search over message bodies. */
  search?: string;
  /** Only conversations with a call request waiting for an agent (requested or scheduled). */
  callPending?: boolean;
}

/** Where the previous page ended, in a snapshot of the inbox taken at `asOf`. */
export interface InboxCursor {
  asOf: Date;
  at: Date | null;
  id: string;
}

export interface InboxRow {
  id: string;
  user_id: string | null;
  guest_id: string | null;
  admin_id: string | null;
  type: ConversationType;
  subject: string | null;
  status: ConversationStatus;
  priority: ConversationPriority;
  last_seq: number;
  agent_read_seq: number;
  last_message_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** lastMessageAt as it was at the snapshot: the paging key. */
  at: Date | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  last_message_id: string | null;
  last_message: string | null;
  last_message_type: MessageType | null;
  last_sender_type: SenderType | null;
  last_message_created_at: Date | null;
  last_note_id: string | null;
  last_note_text: string | null;
  last_note_author_id: string | null;
  last_note_created_at: Date | null;
}

function filters(f: InboxFilter): RawBuilder<unknown>[] {
  const where: RawBuilder<unknown>[] = [];
  if (f.status) where.push(sql`c.status = ${f.status}`);
  if (f.type) where.push(sql`c.type = ${f.type}`);
  if (f.priority) where.push(sql`c.priority = ${f.priority}`);
  if (f.assignee === 'none') where.push(sql`c.admin_id is null`);
  else if (f.assignee) where.push(sql`c.admin_id = ${f.assignee}`);
  if (f.callPending) where.push(sql`exists (select 1 from calls k where k.conversation_id = c.id and k.status in ('requested', 'scheduled'))`);
  if (f.search) {
    where.push(sql`exists (select 1 from messages s where s.conversation_id = c.id
      and to_tsvector('simple', s.message) @@ plainto_tsquery('simple', ${f.search}))`);
  }
  return where;
}

const and = (parts: RawBuilder<unknown>[]) => (parts.length ? sql.join(parts, sql` and `) : sql`true`);

/** Rows after the cursor in (at desc nulls last, id desc) order. */
function afterCursor(cursor: InboxCursor | undefined, at: RawBuilder<unknown>) {
  if (!cursor) return sql`true`;
  if (cursor.at === null) return sql`(${at} is null and c.id < ${cursor.id})`;
  return sql`(${at} < ${cursor.at} or (${at} = ${cursor.at} and c.id < ${cursor.id}) or ${at} is null)`;
}

/**
 * One page of the agents' inbox, newest activity first, as of a snapshot time. A
 * conversation that gets a message while an agent pages is still placed by its activity
 * at the snapshot, so paging never shows a row twice nor skips one; conversations created
 * after the snapshot wait for the next first page.
 */
export async function listInbox(db: Kysely<Database>, f: InboxFilter, cursor: InboxCursor | undefined, limit: number, asOf: Date) {
  const where = and(filters(f));
  // Most rows have not moved since the snapshot and page straight off the activity index;
  // the few that moved are placed by their last message at the snapshot. That one is found by
  // walking back from the newest seq, so it costs the messages since the snapshot, not the whole
  // conversation (a max(created_at) read all of them: 250 ms for a busy inbox's first page).
  const snapshotAt = sql`(select m.created_at from messages m where m.conversation_id = c.id and m.created_at <= ${asOf} order by m.seq desc limit 1)`;
  const result = await sql<InboxRow>`
    with page as (
      (select c.id, c.last_message_at as at from conversations c
        where c.created_at <= ${asOf} and (c.last_message_at is null or c.last_message_at <= ${asOf})
          and ${where} and ${afterCursor(cursor, sql`c.last_message_at`)}
        order by c.last_message_at desc nulls last, c.id desc limit ${limit})
      union all
      (select c.id, ${snapshotAt} as at from conversations c
        where c.created_at <= ${asOf} and c.last_message_at > ${asOf}
          and ${where} and ${afterCursor(cursor, snapshotAt)})
    ), top as (
      select id, at from page order by at desc nulls last, id desc limit ${limit}
    )
    select c.id, c.user_id, c.guest_id, c.admin_id, c.type, c.subject, c.status, c.priority, c.last_seq,
      c.agent_read_seq, c.last_message_at, c.created_at, c.updated_at, top.at,
      u.first_name, u.last_name, u.email,
      lm.id as last_message_id, lm.message as last_message, lm.message_type as last_message_type,
      lm.sender_type as last_sender_type, lm.created_at as last_message_created_at,
      ln.id as last_note_id, ln.text as last_note_text, ln.author_id as last_note_author_id, ln.created_at as last_note_created_at
    from top
    join conversations c on c.id = top.id
    left join users u on u.id = c.user_id
    left join messages lm on lm.conversation_id = c.id and lm.seq = c.last_seq
    left join lateral (select n.id, n.text, n.author_id, n.created_at from notes n
      where n.conversation_id = c.id order by n.created_at desc, n.id desc limit 1) ln on true
    order by top.at desc nulls last, c.id desc`.execute(db);
  return result.rows;
}

export async function databaseNow(db: Kysely<Database>): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`select now() as now`.execute(db);
  return rows[0]!.now;
}

/**
 * Conversations per status, and open and pending ones per assignee bucket, for the inbox
 * sidebar. Closed ones (most of a long-lived workspace) come from the counters the triggers
 * keep; open and pending ones are read through the status index, so the cost follows the
 * active work, not the history. One statement: every number is of the same snapshot.
 */
export async function inboxCounts(db: Kysely<Database>, adminId: string) {
  const { rows } = await sql<{ status: ConversationStatus; total: number; mine: number; unassigned: number; unread_for_me: number }>`
    with active as (
      select status, count(*)::int as total,
        count(*) filter (where admin_id = ${adminId})::int as mine,
        count(*) filter (where admin_id is null)::int as unassigned,
        count(*) filter (where (admin_id is null or admin_id = ${adminId}) and last_seq > agent_read_seq)::int as unread_for_me
      from conversations where status in ('open', 'pending') group by status
    ), closed as (
      select sum(n)::int as total from (
        select n from conversation_counts where status = 'closed'
        union all select delta from conversation_count_changes where status = 'closed'
      ) counted
    )
    select * from active
    union all select 'closed', coalesce(total, 0), 0, 0, 0 from closed`.execute(db);
  return rows;
}

/**
 * Adds the changes the triggers appended into the counters. Any replica may run it at any
 * time: a change is deleted by one fold only, and counters are locked in one order.
 */
export async function foldConversationCounts(db: Kysely<Database>): Promise<void> {
  await sql`
    with folded as (delete from conversation_count_changes returning status, delta)
    insert into conversation_counts (status, n)
    select status, sum(delta) from folded group by status order by status
    on conflict (status) do update set n = conversation_counts.n + excluded.n`.execute(db);
}

export interface ConversationChange {
  adminId?: string | null;
  status?: ConversationStatus;
  priority?: ConversationPriority;
}

/**
 * Applies a change and returns the row before and after, or undefined when the
 * conversation does not exist. Reopening a conversation when its owner already has another
 * open one of that type breaks the one-open-per-owner index: that surfaces as error 23505.
 */
export async function changeConversation(db: Kysely<Database>, id: string, change: ConversationChange) {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('conversations')
      .select(['admin_id', 'status', 'priority'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!before) return undefined;
    await trx
      .updateTable('conversations')
      .set({
        ...(change.adminId !== undefined && { admin_id: change.adminId }),
        ...(change.status && { status: change.status }),
        ...(change.priority && { priority: change.priority }),
        updated_at: sql`now()`,
      })
      .where('id', '=', id)
      .execute();
    return before;
  });
}

/** Moves one side's read position forward (never back). */
export async function advanceReadPosition(db: Kysely<Database>, id: string, side: 'customer' | 'agent', seq: number) {
  const column = side === 'customer' ? 'customer_read_seq' : 'agent_read_seq';
  await db
    .updateTable('conversations')
    .set((eb) => ({ [column]: sql`greatest(${eb.ref(column)}, ${seq})` }))
    .where('id', '=', id)
    .execute();
}

/** Moves a side's position onto `seq` only when it stood just before it: earlier unread stays unread. */
export async function stepReadPosition(db: Kysely<Database>, id: string, side: 'customer' | 'agent', seq: number) {
  const column = side === 'customer' ? 'customer_read_seq' : 'agent_read_seq';
  await db
    .updateTable('conversations')
    .set({ [column]: seq })
    .where('id', '=', id)
    .where(column, '=', seq - 1)
    .execute();
}
