import type { Kysely, Updateable } from 'kysely';
import type { Owner } from './conversations.js';
import { liveCallStatuses, type CallsTable, type CallStatus, type Database } from './schema.js';

const callColumns = [
  'calls.id',
  'calls.conversation_id',
  'calls.status',
  'calls.origin',
  'calls.preferred_at',
  'calls.time_zone',
  'calls.phone',
  'calls.note',
  'calls.scheduled_at',
  'calls.decline_message',
  'calls.agent_id',
  'calls.agent_peer',
  'calls.customer_peer',
  'calls.agent_seen_at',
  'calls.customer_seen_at',
  'calls.rang_at',
  'calls.answered_at',
  'calls.ended_at',
  'calls.ended_by',
  'calls.end_reason',
  'calls.version',
  'calls.created_at',
  'calls.updated_at',
] as const;

/** A call with its agent's name parts and its conversation's owner, as procedures present it. */
function callsWithPeople(db: Kysely<Database>) {
  return db
    .selectFrom('calls')
    .innerJoin('conversations', 'conversations.id', 'calls.conversation_id')
    .leftJoin('users', 'users.id', 'calls.agent_id')
    .select([...callColumns, 'users.first_name', 'users.last_name', 'users.email', 'conversations.user_id', 'conversations.guest_id']);
}

export type CallWithPeople = Awaited<ReturnType<ReturnType<typeof callsWithPeople>['executeTakeFirstOrThrow']>>;
export type CallChanges = Omit<Updateable<CallsTable>, 'id' | 'conversation_id' | 'created_at' | 'version'>;

/** Further conditions a move holds to, checked in the same UPDATE (so nothing slips in between). */
export interface MoveConditions {
  /** Only the call's own agent. */
  agentId?: string;
  /** Rung after this (an answer comes within the ring time). */
  rangAfter?: Date;
  /** Rung before this (the sweep: the ring time is over). */
  rangBefore?: Date;
  /** A side last heard of before this (the sweep: a side is gone). */
  seenBefore?: Date;
}

export async function findCall(db: Kysely<Database>, id: string): Promise<CallWithPeople | undefined> {
  return callsWithPeople(db).where('calls.id', '=', id).executeTakeFirst();
}

/** A conversation's calls, oldest first. */
export async function listCalls(db: Kysely<Database>, conversationId: string, limit: number): Promise<CallWithPeople[]> {
  return callsWithPeople(db).where('calls.conversation_id', '=', conversationId).orderBy('calls.created_at', 'desc').limit(limit).execute();
}

/** Every call in these conversations, oldest first (a data export). */
export async function callsIn(db: Kysely<Database>, conversationIds: string[]): Promise<CallWithPeople[]> {
  if (conversationIds.length === 0) return [];
  return callsWithPeople(db).where('calls.conversation_id', 'in', conversationIds).orderBy('calls.created_at').execute();
}

/** The customer's calls that are still going somewhere, over all their conversations. */
export async function liveCallsOfCustomer(db: Kysely<Database>, owner: Owner): Promise<CallWithPeople[]> {
  return callsWithPeople(db)
    .where('calls.status', 'in', liveCallStatuses)
    .$if(owner.userId !== undefined, (q) => q.where('conversations.user_id', '=', owner.userId!))
    .$if(owner.guestId !== undefined, (q) => q.where('conversations.guest_id', '=', owner.guestId!))
    .orderBy('calls.created_at')
    .execute();
}

/** Live calls for agents: requests waiting for an answer, and calls ringing or in progress. */
export async function liveCalls(db: Kysely<Database>, limit: number): Promise<CallWithPeople[]> {
  return callsWithPeople(db).where('calls.status', 'in', liveCallStatuses).orderBy('calls.created_at').limit(limit).execute();
}

/** A new call; undefined when the conversation already has a live one (the partial unique index). */
export async function insertCall(db: Kysely<Database>, values: CallChanges & { conversation_id: string; status: CallStatus; origin: 'customer' | 'agent' }): Promise<string | undefined> {
  const row = await db.insertInto('calls').values(values).onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst();
  return row?.id;
}

/**
 * Moves a call on, but only from one of the `from` states: the one place every transition is
 * decided, so two racing moves (an answer and the ring's timeout) cannot both win, and each
 * outcome is recorded once. Returns whether this call won.
 */
export async function moveCall(db: Kysely<Database>, id: string, from: readonly CallStatus[], changes: CallChanges, also: MoveConditions = {}): Promise<boolean> {
  const result = await db
    .updateTable('calls')
    .set((eb) => ({ ...changes, version: eb('version', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .where('status', 'in', from)
    .$if(also.agentId !== undefined, (q) => q.where('agent_id', '=', also.agentId!))
    .$if(also.rangAfter !== undefined, (q) => q.where('rang_at', '>', also.rangAfter!))
    .$if(also.rangBefore !== undefined, (q) => q.where('rang_at', '<', also.rangBefore!))
    .$if(also.seenBefore !== undefined, (q) => q.where((eb) => eb.or([eb('agent_seen_at', '<', also.seenBefore!), eb('customer_seen_at', '<', also.seenBefore!)])))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Calls the sweep ends: rings unanswered since `rangBefore`, calls a side left before `seenBefore`. */
export async function overdueCalls(db: Kysely<Database>, rangBefore: Date, seenBefore: Date): Promise<{ id: string; status: CallStatus }[]> {
  return db
    .selectFrom('calls')
    .select(['id', 'status'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'ringing'), eb('rang_at', '<', rangBefore)]),
        eb.and([eb('status', '=', 'in_progress'), eb.or([eb('agent_seen_at', '<', seenBefore), eb('customer_seen_at', '<', seenBefore)])]),
      ]),
    )
    .limit(100)
    .execute();
}
