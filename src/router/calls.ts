import { TRPCError } from '@trpc/server';
import { findCall, insertCall, listCalls, liveCalls, liveCallsOfCustomer, moveCall, overdueCalls, type CallChanges, type CallWithPeople, type MoveConditions } from '../db/calls.js';
import { findConversation } from '../db/conversations.js';
import { getOrCreateConversation, type Owner } from '../db/conversations.js';
import { recordGuest } from '../db/guests.js';
import type { CallSide, CallStatus, ConversationRow } from '../db/schema.js';
import { iceConnectionFor } from '../net/ice-servers.js';
import {
  CallRef,
  DeclineCallRequestInput,
  JoinCallInput,
  RequestCallInput,
  RingInput,
  ScheduleCallInput,
  SignalInput,
  toCall,
  type Call,
} from './calls.schema.js';
import type { Context, Principal } from './context.js';
import { toConversation } from './conversations.schema.js';
import { storeServerMessage, tellServerMessage } from './messages.js';
import type { Message } from './messages.schema.js';
import {
  adminConversationProcedure,
  adminProcedure,
  authedProcedure,
  canAccess,
  conversationProcedure,
  identityKey,
  isConversationOwner,
  rateLimited,
  router,
} from './trpc.js';

const LIVE: CallStatus[] = ['requested', 'scheduled', 'ringing', 'in_progress'];
const WAITING: CallStatus[] = ['requested', 'scheduled'];
const CONNECTING: CallStatus[] = ['ringing', 'in_progress'];
const LISTED_CALLS = 50;

const callNotFound = () => new TRPCError({ code: 'NOT_FOUND', message: 'Call not found' });
const tooLate = (what: string) => new TRPCError({ code: 'CONFLICT', message: `This call can no longer be ${what}` });
const actions = rateLimited('CALL_ACTIONS_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined));
const signals = rateLimited('CALL_SIGNALS_PER_IDENTITY', (ctx) => (ctx.principal ? identityKey(ctx.principal) : undefined));

type CallContext = Pick<Context, 'db' | 'events' | 'calls' | 'connectionId'>;
const ownerOf = (c: Pick<ConversationRow, 'user_id' | 'guest_id'>) => ({ userId: c.user_id, guestId: c.guest_id });

/**
 * A call the caller may see (its conversation's owner, or an agent), with the side they are on.
 * One they may not see answers like one that does not exist.
 */
const callProcedure = authedProcedure.input(CallRef).use(async ({ ctx, input, next }) => {
  const call = await findCall(ctx.db, input.callId);
  if (!call || !canAccess(ctx.principal, { userId: call.user_id, guestId: call.guest_id })) throw callNotFound();
  const side: CallSide = isConversationOwner(ctx.principal, call) ? 'customer' : 'agent';
  return next({ ctx: { call, side } });
});

/** An agent acting on a call: loaded after the admin check, so others get 403, not 404. */
const adminCallProcedure = adminProcedure.input(CallRef).use(async ({ ctx, input, next }) => {
  const call = await findCall(ctx.db, input.callId);
  if (!call) throw callNotFound();
  return next({ ctx: { call } });
});

/** Only the customer side may do this (answer, cancel their request). */
function customerOnly(side: CallSide, what: string): void {
  if (side !== 'customer') throw new TRPCError({ code: 'FORBIDDEN', message: `Only the customer can ${what}` });
}

/** A party of the call in progress: its customer, or the agent who rang. Other agents are not in it. */
function partyOf(principal: Principal, call: CallWithPeople, side: CallSide): void {
  if (side === 'agent' && call.agent_id !== principal.id) throw new TRPCError({ code: 'FORBIDDEN', message: 'Another agent has this call' });
}

const durationText = (seconds: number) => (seconds >= 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`);

/** A time as the customer reads it: in their own zone, named. */
function customerTime(at: Date, timeZone: string | null): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: timeZone ?? 'UTC', weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(at);
}

/** The line the history keeps for a call that ended, or moved on in a way the customer sees. */
function historyLine(call: Call): string | undefined {
  const agent = call.agentName ?? 'Support';
  switch (call.status) {
    case 'requested':
      return call.preferredAt ? `Call requested for ${customerTime(new Date(call.preferredAt), call.timeZone)}` : 'Call requested: as soon as possible';
    case 'scheduled':
      return `Call scheduled for ${customerTime(new Date(call.scheduledAt!), call.timeZone)}`;
    case 'completed':
      if (call.endReason === 'phone') return `Called back by phone by ${agent}`;
      return `Call with ${agent}, ${durationText(call.durationSeconds ?? 0)}${call.endReason === 'connection_lost' ? ' (connection lost)' : ''}`;
    case 'missed':
      return `Missed call from ${agent}`;
    case 'declined':
      return call.origin === 'customer' && !call.rangAt ? `Call request declined: ${call.declineMessage ?? ''}`.trim() : `Call from ${agent} declined`;
    case 'cancelled':
      return call.rangAt ? `Call from ${agent} cancelled before it was answered` : 'Call request cancelled';
    default:
      return undefined;
  }
}

/**
 * Moves a call from one of `from` to its next state and writes the history's line for it in
 * the same transaction, so a call's outcome is recorded exactly once; everyone hears after the
 * commit. `also.agentId` narrows the move to the call's own agent.
 */
async function advance(
  ctx: CallContext,
  callId: string,
  from: readonly CallStatus[],
  changes: CallChanges,
  refusal: () => TRPCError,
  also?: MoveConditions,
): Promise<Call> {
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    if (!(await moveCall(trx, callId, from, changes, also))) return undefined;
    const call = toCall((await findCall(trx, callId))!);
    const conversation = (await findConversation(trx, call.conversationId))!;
    const line = historyLine(call);
    const message = line ? await storeServerMessage({ db: trx }, conversation, 'system', line) : undefined;
    return { call, conversation, message };
  });
  if (!outcome) throw refusal();
  const { call, conversation, message } = outcome;
  tell(ctx, call, conversation, message);
  return call;
}

/** Everyone hears after the commit: the history's line like any message, the call to its customer and the agents. */
function tell(ctx: CallContext, call: Call, conversation: Pick<ConversationRow, 'user_id' | 'guest_id'>, message?: Message): void {
  if (message) tellServerMessage(ctx, conversation, message);
  ctx.events.emit('call.updated', { call, owner: ownerOf(conversation), origin: ctx.connectionId });
}

/** The caller's window joins: its peer id is now the side's, its TURN credentials are minted. */
function connectionFor(ctx: Pick<Context, 'calls'>, call: Call, side: CallSide) {
  return { call, connection: iceConnectionFor(ctx.calls, `${call.id}:${side}`) };
}

/**
 * Call requests and in-app calls. Media goes peer to peer or through TURN; the server keeps the
 * record, passes signalling between the call's two windows, and nothing else.
 */
export const callsRouter = router({
  /** A customer asks to be called: in their call_request conversation, created when they have none. */
  request: authedProcedure
    .use(actions)
    .input(RequestCallInput)
    .mutation(async ({ ctx, input }) => {
      if (ctx.principal.type === 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Agents ring customers; they do not request calls' });
      if (ctx.principal.type === 'guest') await recordGuest(ctx.db, ctx.principal.id);
      const owner: Owner = ctx.principal.type === 'guest' ? { guestId: ctx.principal.id } : { userId: ctx.principal.id };
      const { conversation } = await getOrCreateConversation(ctx.db, owner, 'call_request', null);
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        const id = await insertCall(trx, {
          conversation_id: conversation.id,
          status: 'requested',
          origin: 'customer',
          preferred_at: input.preferredAt ? new Date(input.preferredAt) : null,
          time_zone: input.timeZone ?? null,
          phone: input.phone || null,
          note: input.note || null,
        });
        if (!id) return undefined;
        const call = toCall((await findCall(trx, id))!);
        const message = await storeServerMessage({ db: trx }, conversation, 'system', historyLine(call)!);
        return { call, message };
      });
      if (!outcome) throw new TRPCError({ code: 'CONFLICT', message: 'You already have a call request or a call going' });
      tell(ctx, outcome.call, conversation, outcome.message);
      return { call: outcome.call, conversation: toConversation(conversation) };
    }),

  /** The customer takes their request back. */
  cancel: callProcedure.use(actions).mutation(({ ctx }) => {
    customerOnly(ctx.side, 'cancel a request; agents decline it');
    return advance(ctx, ctx.call.id, WAITING, { status: 'cancelled', ended_at: new Date(), ended_by: 'customer', end_reason: 'cancelled' }, () => tooLate('cancelled'));
  }),

  /** An agent sets a time: the customer sees it, in their own time zone. */
  schedule: adminCallProcedure
    .use(actions)
    .input(ScheduleCallInput)
    .mutation(async ({ ctx, input }) => {
      return advance(ctx, ctx.call.id, WAITING, { status: 'scheduled', scheduled_at: new Date(input.scheduledAt), agent_id: ctx.principal.id }, () => tooLate('scheduled'));
    }),

  /** An agent called the customer on the phone instead: the request is done. */
  calledBack: adminCallProcedure
    .use(actions)
    .mutation(async ({ ctx, input }) => {
      return advance(ctx, ctx.call.id, WAITING, { status: 'completed', agent_id: ctx.principal.id, ended_at: new Date(), ended_by: 'agent', end_reason: 'phone' }, () => tooLate('marked as called back'));
    }),

  /** An agent declines a request, saying why. */
  declineRequest: adminCallProcedure
    .use(actions)
    .input(DeclineCallRequestInput)
    .mutation(async ({ ctx, input }) => {
      return advance(
        ctx,
        ctx.call.id,
        WAITING,
        { status: 'declined', agent_id: ctx.principal.id, decline_message: input.message, ended_at: new Date(), ended_by: 'agent', end_reason: 'declined' },
        () => tooLate('declined'),
      );
    }),

  /**
   * An agent rings the conversation's customer: their waiting request, or a new call. One call
   * at a time per conversation; unanswered after CALL_RING_SECONDS it is missed.
   */
  ring: adminConversationProcedure
    .use(actions)
    .input(RingInput)
    .mutation(async ({ ctx, input }) => {
      if (ctx.conversation.status === 'closed') throw new TRPCError({ code: 'CONFLICT', message: 'Conversation is closed' });
      const now = new Date();
      const ringing: CallChanges = { status: 'ringing', agent_id: ctx.principal.id, agent_peer: input.peerId, agent_seen_at: now, rang_at: now };
      const waiting = (await liveCallsOfConversation(ctx, ctx.conversation.id)).find((c) => WAITING.includes(c.status));
      let callId = waiting?.id;
      if (!callId || !(await moveCall(ctx.db, callId, WAITING, ringing))) {
        callId = await insertCall(ctx.db, { conversation_id: ctx.conversation.id, origin: 'agent', ...ringing, status: 'ringing' });
      }
      if (!callId) throw new TRPCError({ code: 'CONFLICT', message: 'A call is already going in this conversation' });
      const call = toCall((await findCall(ctx.db, callId))!);
      tell(ctx, call, ctx.conversation);
      return connectionFor(ctx, call, 'agent');
    }),

  /** The customer picks up. */
  answer: callProcedure
    .use(actions)
    .input(JoinCallInput)
    .mutation(async ({ ctx, input }) => {
      customerOnly(ctx.side, 'answer');
      const now = new Date();
      // Within the ring time, whether or not the sweep has marked it missed yet.
      const rangAfter = new Date(now.getTime() - ctx.calls.ringSeconds * 1000);
      const call = await advance(ctx, ctx.call.id, ['ringing'], { status: 'in_progress', answered_at: now, customer_peer: input.peerId, customer_seen_at: now }, () => tooLate('answered'), { rangAfter });
      return connectionFor(ctx, call, 'customer');
    }),

  /** The customer turns the ringing call down. */
  decline: callProcedure.use(actions).mutation(({ ctx }) => {
    customerOnly(ctx.side, 'decline a ringing call; agents hang up');
    return advance(ctx, ctx.call.id, ['ringing'], { status: 'declined', ended_at: new Date(), ended_by: 'customer', end_reason: 'declined' }, () => tooLate('declined'));
  }),

  /**
   * Either party ends the call: before the answer it is cancelled (declined, from the
   * customer), after it completed. An answer that lands meanwhile is seen and hung up too.
   */
  hangUp: callProcedure.use(actions).mutation(async ({ ctx }) => {
    partyOf(ctx.principal, ctx.call, ctx.side);
    let status = ctx.call.status;
    for (let attempt = 0; ; attempt++) {
      const ended = { ended_at: new Date(), ended_by: ctx.side };
      const changes: CallChanges =
        status === 'in_progress'
          ? { ...ended, status: 'completed', end_reason: 'hung_up' }
          : ctx.side === 'customer'
            ? { ...ended, status: 'declined', end_reason: 'declined' }
            : { ...ended, status: 'cancelled', end_reason: 'cancelled' };
      try {
        return await advance(ctx, ctx.call.id, [status === 'in_progress' ? 'in_progress' : 'ringing'], changes, () => tooLate('hung up'));
      } catch (error) {
        const now = attempt === 0 ? (await findCall(ctx.db, ctx.call.id))?.status : undefined;
        if (!now || now === status || !CONNECTING.includes(now)) throw error;
        status = now;
      }
    }
  }),

  /**
   * A party's window (re)joins a call that is ringing or in progress: after a reload or a lost
   * connection, within CALL_REJOIN_SECONDS. The other side hears the new peer and reconnects.
   */
  join: callProcedure
    .use(actions)
    .input(JoinCallInput)
    .mutation(async ({ ctx, input }) => {
      partyOf(ctx.principal, ctx.call, ctx.side);
      const now = new Date();
      const changes: CallChanges = ctx.side === 'agent' ? { agent_peer: input.peerId, agent_seen_at: now } : { customer_peer: input.peerId, customer_seen_at: now };
      // A customer only joins a call they answered; a ringing one is answered.
      const from: CallStatus[] = ctx.side === 'agent' ? CONNECTING : ['in_progress'];
      if (!(await moveCall(ctx.db, ctx.call.id, from, changes, ctx.side === 'agent' ? { agentId: ctx.principal.id } : undefined))) throw tooLate('joined');
      const call = toCall((await findCall(ctx.db, ctx.call.id))!);
      tell(ctx, call, ctx.call);
      return connectionFor(ctx, call, ctx.side);
    }),

  /** A party's window is still there (every few seconds): a side unheard of for too long has left. */
  alive: callProcedure
    .use(actions)
    .input(JoinCallInput)
    .mutation(async ({ ctx, input }) => {
      partyOf(ctx.principal, ctx.call, ctx.side);
      const changes: CallChanges = ctx.side === 'agent' ? { agent_seen_at: new Date() } : { customer_seen_at: new Date() };
      const current = ctx.side === 'agent' ? ctx.call.agent_peer : ctx.call.customer_peer;
      if (current !== input.peerId || !(await moveCall(ctx.db, ctx.call.id, CONNECTING, changes))) throw tooLate('kept up here');
      return { callId: ctx.call.id, status: ctx.call.status };
    }),

  /**
   * Offer, answer, ICE candidates and media state, passed to the other party of the call and no
   * one else, from the window that holds the caller's side of it.
   */
  signal: callProcedure
    .use(signals)
    .input(SignalInput)
    .mutation(({ ctx, input }) => {
      partyOf(ctx.principal, ctx.call, ctx.side);
      if (!CONNECTING.includes(ctx.call.status)) throw new TRPCError({ code: 'CONFLICT', message: 'This call is not going' });
      const mine = ctx.side === 'agent' ? ctx.call.agent_peer : ctx.call.customer_peer;
      if (mine !== input.peerId) throw new TRPCError({ code: 'CONFLICT', message: 'This call continues in another window' });
      const to = ctx.side === 'agent' ? { side: 'customer' as const, owner: ownerOf(ctx.call) } : { side: 'agent' as const, adminId: ctx.call.agent_id! };
      ctx.events.emit('call.signal', { callId: ctx.call.id, conversationId: ctx.call.conversation_id, to, fromPeer: input.peerId, signal: input.signal });
      return { callId: ctx.call.id, delivered: true as const };
    }),

  /** A conversation's calls, newest first (its owner and agents). */
  list: conversationProcedure.query(async ({ ctx }) => ({ calls: (await listCalls(ctx.db, ctx.conversation.id, LISTED_CALLS)).map(toCall) })),

  /**
   * Calls still going: a customer's own (a reloaded widget finds its ringing or ongoing call);
   * for agents, every waiting request and every call ringing or in progress.
   */
  active: authedProcedure.use(actions).query(async ({ ctx }) => {
    const p = ctx.principal;
    const rows = p.type === 'admin' ? await liveCalls(ctx.db, 200) : await liveCallsOfCustomer(ctx.db, p.type === 'guest' ? { guestId: p.id } : { userId: p.id });
    return { calls: rows.map(toCall) };
  }),
});

async function liveCallsOfConversation(ctx: Pick<Context, 'db'>, conversationId: string) {
  return (await listCalls(ctx.db, conversationId, 5)).filter((c) => LIVE.includes(c.status));
}

/**
 * Ends what nobody ended: rings unanswered for CALL_RING_SECONDS are missed, calls whose side has
 * not been heard of for CALL_REJOIN_SECONDS completed (connection lost). Every replica runs it;
 * each call's move is taken by one. `now` is the test's to move.
 */
export async function endOverdueCalls(ctx: Pick<Context, 'db' | 'events' | 'calls'>, now = new Date()): Promise<number> {
  const rangBefore = new Date(now.getTime() - ctx.calls.ringSeconds * 1000);
  const seenBefore = new Date(now.getTime() - ctx.calls.rejoinSeconds * 1000);
  let ended = 0;
  for (const overdue of await overdueCalls(ctx.db, rangBefore, seenBefore)) {
    const refused = () => callNotFound();
    try {
      if (overdue.status === 'ringing') {
        await advance(ctx, overdue.id, ['ringing'], { status: 'missed', ended_at: now, ended_by: 'system', end_reason: 'no_answer' }, refused, { rangBefore });
      } else {
        const row = await findCall(ctx.db, overdue.id);
        const lastHeard = Math.min(row?.agent_seen_at?.getTime() ?? now.getTime(), row?.customer_seen_at?.getTime() ?? now.getTime());
        await advance(ctx, overdue.id, ['in_progress'], { status: 'completed', ended_at: new Date(lastHeard), ended_by: 'system', end_reason: 'connection_lost' }, refused, { seenBefore });
      }
      ended++;
    } catch (error) {
      // Another replica (or a party: an answer, a rejoin) moved it first.
      if (!(error instanceof TRPCError)) throw error;
    }
  }
  return ended;
}
