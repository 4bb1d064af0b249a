import type { ConversationRow, ConversationStatus } from '../db/schema.js';

/**
 * What loading a conversation proved about one caller's right to it: the caller may see
 * it (its owner never changes, and admins see all), and its status at the time.
 */
export interface ConversationAccess {
  id: string;
  userId: string | null;
  guestId: string | null;
  status: ConversationStatus;
}

export const accessOf = (c: Pick<ConversationRow, 'id' | 'user_id' | 'guest_id' | 'status'>): ConversationAccess => ({
  id: c.id,
  userId: c.user_id,
  guestId: c.guest_id,
  status: c.status,
});

/**
 * Invalidation: a process-wide clock, and for each conversation the clock value of its last
 * access change. A cached proof older than that is not used. `invalidateConversationAccess`
 * is called for every committed `conversation.updated` domain event (status, assignee,
 * priority; from any replica through the feed: see trpc.ts), and must be called by anything
 * else that ever changes who may see or write a conversation (reassigning its owner,
 * deleting it). A send into a conversation closed behind a cache's back is refused anyway:
 * the write itself checks the status under the conversation's row lock
 * (MessageToStore.requireOpen), whoever closed it and whenever the event arrives.
 */
let clock = 0;
const changedAt = new Map<string, number>();

/** Read before a lookup whose result will be remembered. */
export const accessClock = (): number => clock;

export function invalidateConversationAccess(conversationId: string): void {
  changedAt.set(conversationId, ++clock);
  // Entries older than every cache's lifetime can no longer reject anything.
  if (changedAt.size > 10_000) {
    const horizon = clock - 10_000;
    for (const [id, at] of changedAt) if (at <= horizon) changedAt.delete(id);
  }
}

/** How long a proof is trusted at most, so access changed by another replica is seen in time. */
export const ACCESS_TTL_MS = 5 * 60_000;
/** Conversations remembered per connection (an agent's socket may touch many). */
const MAX_ENTRIES = 256;

interface Entry {
  access: ConversationAccess;
  at: number;
  expires: number;
}

/**
 * One connection's cache of what `conversation:join` (or any earlier call naming the
 * conversation) proved, so that `message:send` needs no lookup per message. Lives as long
 * as the connection's context: a socket's, or a single request's for REST.
 */
export class ConversationAccessCache {
  /** Made on first use: a REST request's context never needs one. */
  private entries: Map<string, Entry> | undefined;


  get(conversationId: string, now = Date.now()): ConversationAccess | undefined {
    const entry = this.entries?.get(conversationId);
    if (!entry) return undefined;
    if (entry.expires <= now || (changedAt.get(conversationId) ?? 0) >= entry.at) {
      this.entries!.delete(conversationId);
      return undefined;
    }
    return entry.access;
  }

  /**
   * `since` is accessClock() read before the lookup that produced `access`: an invalidation
   * that lands while the lookup runs makes the entry stale at once.
   */
  remember(access: ConversationAccess, since: number, now = Date.now()): void {
    const entries = (this.entries ??= new Map());
    entries.delete(access.id);
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
    entries.set(access.id, { access, at: since + 0.5, expires: now + ACCESS_TTL_MS });
  }

  forget(conversationId: string): void {
    this.entries?.delete(conversationId);
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}

/** Per-connection state, keyed by the context object a caller was created with. */
export interface ConnectionState {
  access: ConversationAccessCache;
}

const connections = new WeakMap<object, ConnectionState>();

/**
 * The state of the connection whose context this is. A socket builds its caller once, so
 * every event on it shares one context object; a REST request gets a fresh one.
 */
export function connectionStateOf(context: object): ConnectionState {
  let state = connections.get(context);
  if (!state) {
    state = { access: new ConversationAccessCache() };
    connections.set(context, state);
  }
  return state;
}
