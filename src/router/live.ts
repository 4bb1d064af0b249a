import { tracked } from '@trpc/server';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { findConversation } from '../db/conversations.js';
import { listMessagesBySeq } from '../db/messages.js';
import { toConversation } from './conversations.schema.js';
import type { DomainEventMap, DomainEvents } from './events.js';
import { presentMessages } from './present-messages.js';
import { toMessage } from './messages.schema.js';
import { adminProcedure, authedProcedure, canAccess, conversationProcedure, router } from './trpc.js';
import type { Principal } from './context.js';

const FEED_EVENTS = ['message.created', 'message.read', 'typing', 'conversation.updated', 'note.changed'] as const;
type FeedName = (typeof FEED_EVENTS)[number];
type FeedEvent = { [K in FeedName]: { name: K; payload: DomainEventMap[K][0] } }[FeedName];

/**
 * Turns a listener registration into an async iterable, from the moment of the call:
 * items that arrive while the consumer is busy (replaying history) wait in order. The
 * registration may `end` it: what is still waiting is dropped and the iteration finishes.
 */
function queueOf<T>(register: (push: (item: T) => void, end: () => void) => () => void, signal: AbortSignal | undefined): AsyncIterable<T> {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const stop = () => {
    unregister();
    wake?.();
  };
  const unregister = register(
    (item) => {
      queue.push(item);
      wake?.();
    },
    () => {
      ended = true;
      stop();
    },
  );
  signal?.addEventListener('abort', stop, { once: true });
  return {
    async *[Symbol.asyncIterator]() {
      try {
        while (!signal?.aborted && !ended) {
          if (queue.length > 0) yield queue.shift()!;
          else {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        }
      } finally {
        stop();
      }
    },
  };
}

/**
 * A customer's streams end when they are erased, by whichever replica (the feed carries it),
 * as their sockets are closed: nothing they held open outlives their data. Agents' do not.
 */
function endAtErasure(feed: DomainEvents, principal: Principal, end: () => void): () => void {
  if (principal.type === 'admin') return () => {};
  const onErased = ({ owner }: DomainEventMap['customer.erased'][0]) => {
    if (canAccess(principal, owner)) end();
  };
  feed.on('customer.erased', onErased);
  return () => feed.off('customer.erased', onErased);
}

/** The domain events of the feed that pass `keep`, as an async iterable, until the caller is erased. */
function listen(feed: DomainEvents, principal: Principal, signal: AbortSignal | undefined, keep: (event: FeedEvent) => boolean): AsyncIterable<FeedEvent> {
  return queueOf<FeedEvent>((push, end) => {
    const handlers = FEED_EVENTS.map((name) => {
      const handler = (payload: never) => {
        const event = { name, payload } as FeedEvent;
        if (keep(event)) push(event);
      };
      feed.on(name, handler as never);
      return [name, handler] as const;
    });
    const stopEnding = endAtErasure(feed, principal, end);
    return () => {
      handlers.forEach(([name, handler]) => feed.off(name, handler as never));
      stopEnding();
    };
  }, signal);
}

function conversationOf(e: FeedEvent): string {
  switch (e.name) {
    case 'message.created':
      return e.payload.message.conversationId;
    case 'conversation.updated':
      return e.payload.conversation.id;
    case 'note.changed':
      return e.payload.note.conversationId;
    default:
      return e.payload.conversationId;
  }
}

/** Which events a feed carries, without credentials or owner-only views. */
function present(e: FeedEvent) {
  switch (e.name) {
    case 'message.created':
      return { type: 'message' as const, message: e.payload.message };
    case 'message.read':
      return { type: 'read' as const, messageId: e.payload.messageId, conversationId: e.payload.conversationId };
    case 'typing': {
      const { conversationId, senderId, senderType, isTyping } = e.payload;
      return { type: 'typing' as const, conversationId, senderId, senderType, isTyping };
    }
    case 'conversation.updated':
      return { type: 'conversation' as const, conversation: e.payload.conversation, change: e.payload.change };
    case 'note.changed':
      return { type: 'note' as const, note: e.payload.note, change: e.payload.change };
  }
}

/** A bounded memory of recent inbox events, so a dropped agent feed can resume on this replica. */
type Recent = { id: string; n: number; data: ReturnType<typeof present> };

/** Every inbox change of one period, the same object for every subscriber. */
interface SharedBatch {
  items: Recent[];
  payload: { type: 'batch'; events: Recent['data'][] };
}

/**
 * One clock per period for every subscriber: a change starts it, and when it strikes all of
 * them get the same batch object, which the SSE writer (`src/rest/shared-sse.ts`) then
 * serialises once for all of them instead of once each.
 */
class BatchClock {
  private pending: Recent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscribers = new Set<(batch: SharedBatch) => void>();
  constructor(private readonly ms: number) {}
  add(item: Recent) {
    if (this.subscribers.size === 0) return;
    this.pending.push(item);
    this.timer ??= setTimeout(() => this.strike(), this.ms);
  }
  register(push: (batch: SharedBatch) => void) {
    this.subscribers.add(push);
    return () => this.subscribers.delete(push);
  }
  private strike() {
    this.timer = undefined;
    const items = this.pending.splice(0);
    if (items.length === 0) return;
    const batch: SharedBatch = { items, payload: { type: 'batch', events: items.map((item) => item.data) } };
    for (const subscriber of this.subscribers) subscriber(batch);
  }
}

class RecentEvents {
  private readonly boot = randomUUID().slice(0, 8);
  private counter = 0;
  private readonly items: Recent[] = [];
  private readonly subscribers = new Set<(item: Recent) => void>();
  private readonly clocks = new Map<number, BatchClock>();
  constructor(private readonly size = 5_000) {}
  add(data: ReturnType<typeof present>) {
    const item = { id: `${this.boot}-${++this.counter}`, n: this.counter, data };
    this.items.push(item);
    if (this.items.length > this.size) this.items.shift();
    for (const subscriber of this.subscribers) subscriber(item);
    for (const clock of this.clocks.values()) clock.add(item);
  }
  subscribe(signal: AbortSignal | undefined): AsyncIterable<Recent> {
    return queueOf<Recent>((push) => this.register(push), signal);
  }
  /** Everything that came in each `ms` after a first event, as one batch shared by every subscriber. */
  subscribeInBatches(signal: AbortSignal | undefined, ms: number): AsyncIterable<SharedBatch> {
    let clock = this.clocks.get(ms);
    if (!clock) this.clocks.set(ms, (clock = new BatchClock(ms)));
    return queueOf<SharedBatch>((push) => clock.register(push), signal);
  }
  private register(push: (item: Recent) => void) {
    this.subscribers.add(push);
    return () => this.subscribers.delete(push);
  }
  /** Events after `id`, or undefined when the id is from another replica or too old to replay. */
  after(id: string) {
    const [boot, n] = id.split('-');
    if (boot !== this.boot || !this.items.length || Number(n) < this.items[0]!.n - 1) return undefined;
    return this.items.filter((item) => item.n > Number(n));
  }
}

const recentByFeed = new WeakMap<DomainEvents, RecentEvents>();
function recentFor(feed: DomainEvents): RecentEvents {
  let recent = recentByFeed.get(feed);
  if (!recent) {
    const created = new RecentEvents();
    for (const name of FEED_EVENTS) feed.on(name, ((payload: never) => created.add(present({ name, payload } as FeedEvent))) as never);
    recentByFeed.set(feed, (recent = created));
  }
  return recent;
}

type CallEvent =
  | { type: 'call'; call: DomainEventMap['call.updated'][0]['call'] }
  | { type: 'signal'; callId: string; conversationId: string; fromPeer: string; signal: DomainEventMap['call.signal'][0]['signal'] };

/**
 * What one caller hears of calls: every call's state for agents, their own calls' for a
 * customer; signals only when addressed to them (the other party of that call).
 */
function callEventsFor(feed: DomainEvents, principal: Principal, signal: AbortSignal | undefined): AsyncIterable<CallEvent> {
  return queueOf<CallEvent>((push, end) => {
    const onCall = ({ call, owner }: DomainEventMap['call.updated'][0]) => {
      if (canAccess(principal, owner)) push({ type: 'call', call });
    };
    const onSignal = ({ callId, conversationId, to, fromPeer, signal: s }: DomainEventMap['call.signal'][0]) => {
      const mine = to.side === 'agent' ? principal.type === 'admin' && to.adminId === principal.id : principal.type !== 'admin' && canAccess(principal, to.owner);
      if (mine) push({ type: 'signal', callId, conversationId, fromPeer, signal: s });
    };
    feed.on('call.updated', onCall);
    feed.on('call.signal', onSignal);
    const stopEnding = endAtErasure(feed, principal, end);
    return () => {
      feed.off('call.updated', onCall);
      feed.off('call.signal', onSignal);
      stopEnding();
    };
  }, signal);
}

const Resume = z.object({ lastEventId: z.string().max(100).nullish() });
const InboxInput = Resume.extend({
  batchMs: z
    .number()
    .int()
    .min(0)
    .max(2_000)
    .default(0)
    .describe('0: one SSE event per change. More: at most one event per batchMs, `{type: "batch", events}`, holding every change since the last (what a busy console wants: one write instead of hundreds)'),
});

/**
 * Subscriptions over SSE (`httpSubscriptionLink`) for internal apps, fed by the same
 * domain events as the sockets and authorized by the same procedures.
 */
export const liveRouter = router({
  /**
   * One conversation: its state, then every message (tracked by seq, so a reconnect with
   * `lastEventId` replays what it missed from the database, on any replica), read
   * receipts, typing and changes.
   */
  conversation: conversationProcedure.input(Resume).subscription(async function* ({ ctx, input, signal }) {
    const id = ctx.conversation.id;
    // Notes are for agents: a customer's feed never carries one.
    const agent = ctx.principal.type === 'admin';
    const live = listen(ctx.feed, ctx.principal, signal, (e) => conversationOf(e) === id && (agent || e.name !== 'note.changed'));
    const now = (await findConversation(ctx.db, id)) ?? ctx.conversation;
    yield { type: 'conversation' as const, conversation: toConversation(now), change: null };
    const resumeFrom = Number.parseInt(input.lastEventId ?? '', 10);
    let seen = Number.isSafeInteger(resumeFrom) && resumeFrom >= 0 ? resumeFrom : now.last_seq;
    while (seen < now.last_seq) {
      const page = await listMessagesBySeq(ctx.db, id, seen + 1, Math.min(now.last_seq, seen + 100));
      if (page.length === 0) break;
      for (const message of await presentMessages(ctx, now, page.map(toMessage))) yield tracked(String(message.seq), { type: 'message' as const, message });
      seen = page.at(-1)!.seq;
    }
    for await (const event of live) {
      const data = present(event);
      if (data.type !== 'message') yield data;
      else if (data.message.seq > seen) {
        seen = data.message.seq;
        const [message = data.message] = await presentMessages(ctx, now, [data.message]);
        yield tracked(String(seen), { ...data, message });
      }
    }
  }),

  /**
   * Calls, live: their state changes (all of them for agents, a customer's own) and the
   * signalling addressed to the caller. A reconnect asks `calls.active` for the state.
   */
  calls: authedProcedure.subscription(async function* ({ ctx, signal }) {
    yield* callEventsFor(ctx.feed, ctx.principal, signal);
  }),

  /**
   * Every conversation, for agents: messages, read receipts, typing and changes. Events
   * are tracked; a reconnect to the same replica replays what it missed from memory.
   */
  inbox: adminProcedure.input(InboxInput).subscription(async function* ({ ctx, input, signal }) {
    const recent = recentFor(ctx.feed);
    if (input.batchMs > 0) {
      const live = recent.subscribeInBatches(signal, input.batchMs);
      const missed = input.lastEventId ? (recent.after(input.lastEventId) ?? []) : [];
      let last = missed.at(-1)?.n ?? 0;
      if (missed.length) yield tracked(missed.at(-1)!.id, { type: 'batch' as const, events: missed.map((item) => item.data) });
      for await (const batch of live) {
        const newest = batch.items.at(-1)!;
        if (newest.n <= last) continue;
        // Nearly always all of it is new, and then it goes out as the shared object.
        const fresh = batch.items[0]!.n > last ? batch.payload : { type: 'batch' as const, events: batch.items.filter((item) => item.n > last).map((item) => item.data) };
        last = newest.n;
        yield tracked(newest.id, fresh);
      }
      return;
    }
    const live = recent.subscribe(signal);
    let last = 0;
    for (const item of input.lastEventId ? (recent.after(input.lastEventId) ?? []) : []) {
      last = item.n;
      yield tracked(item.id, item.data);
    }
    for await (const item of live) if (item.n > last) yield tracked(item.id, item.data);
  }),
});
