import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Conversation, useTRPC } from '../api/trpc.js';
import { waitingConversations } from '../calls/call-status.js';
import { removeRow, withConversation, type InboxPages } from './cache.js';
import { belongsIn, type ListInput } from './filters.js';

type Trpc = ReturnType<typeof useTRPC>;
type Invalidate = (queryKey: QueryKey) => void;

export const inputOf = (key: QueryKey) => ((key[1] as { input?: ListInput } | undefined)?.input ?? {}) as ListInput;

/** Refetches coalesced per query: a burst of events for rows a list lacks costs one request. */
export function debouncedInvalidate(queryClient: QueryClient, delayMs = 200): Invalidate {
  const pending = new Set<string>();
  return (queryKey) => {
    const hash = JSON.stringify(queryKey);
    if (pending.has(hash)) return;
    pending.add(hash);
    setTimeout(() => {
      pending.delete(hash);
      void queryClient.invalidateQueries({ queryKey, exact: true });
    }, delayMs);
  };
}

/**
 * Refetches at once on the first event, then at most once per `everyMs` while events keep
 * coming; the last event always gets a refetch after it. For a number that changes with nearly
 * every message (the unread count in the title): live when the inbox is quiet, one request per
 * period when it is busy.
 */
export function throttledInvalidate(queryClient: QueryClient, everyMs: number): Invalidate {
  const state = new Map<string, { lastAt: number; timer?: ReturnType<typeof setTimeout> }>();
  return (queryKey) => {
    const hash = JSON.stringify(queryKey);
    const entry = state.get(hash) ?? { lastAt: -Infinity };
    state.set(hash, entry);
    if (entry.timer) return;
    const fire = () => {
      entry.timer = undefined;
      entry.lastAt = Date.now();
      void queryClient.invalidateQueries({ queryKey, exact: true });
    };
    const wait = entry.lastAt + everyMs - Date.now();
    if (wait <= 0) fire();
    else entry.timer = setTimeout(fire, wait);
  };
}

/**
 * Writes an event's result into a cached list. A fetch of that list still in flight may have
 * been answered before the event: it is cancelled and made again, so it cannot undo the event.
 */
export function writeList(queryClient: QueryClient, key: QueryKey, next: InboxPages, invalidate: Invalidate) {
  queryClient.setQueryData(key, next);
  if (queryClient.getQueryState(key)?.fetchStatus === 'fetching') invalidate(key);
}

/**
 * A conversation as an agent's change left it (this agent's answer or anyone's live event):
 * each cached list keeps, updates or drops the row by its own filters, and asks the server
 * again when the row now belongs there but is not held. Applying it twice changes nothing.
 */
export function applyConversation(queryClient: QueryClient, trpc: Trpc, conversation: Conversation, me: string, invalidate: Invalidate) {
  const waiting = waitingConversations(queryClient, trpc);
  for (const [key, data] of queryClient.getQueriesData<InboxPages>({ queryKey: trpc.inbox.list.pathKey() })) {
    if (!data) continue;
    const fits = belongsIn(conversation, inputOf(key), me, waiting);
    const next = fits ? withConversation(data, conversation) : removeRow(data, conversation.id);
    if (next) writeList(queryClient, key, next, invalidate);
    else if (fits) invalidate(key);
  }
  invalidate(trpc.inbox.counts.queryKey());
  invalidate(trpc.conversations.details.queryKey({ conversationId: conversation.id }));
}
