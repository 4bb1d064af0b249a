import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Call } from '../../../client/src/index.js';
import type { useTRPC } from '../api/trpc.js';
import { inputOf, writeList } from '../inbox/apply-change.js';
import { findRow, removeRow, type InboxPages } from '../inbox/cache.js';
import { isLive, isWaiting, waitingConversations, type ActiveCalls } from './call-status.js';

type Trpc = ReturnType<typeof useTRPC>;
type Invalidate = (queryKey: QueryKey) => void;

/**
 * `calls.active` with a call's news: a newer state takes the old one's place, a new live call is
 * added at the end (the server lists them oldest first), an ended one leaves. An older state
 * than the one held (a late answer, a replay) changes nothing.
 */
export function withCall(data: ActiveCalls | undefined, call: Call): ActiveCalls | undefined {
  if (!data) return data;
  const held = data.calls.find((c) => c.id === call.id);
  if (held && held.version > call.version) return data;
  if (!isLive(call)) return held ? { calls: data.calls.filter((c) => c.id !== call.id) } : data;
  return { calls: held ? data.calls.map((c) => (c.id === call.id ? call : c)) : [...data.calls, call] };
}

/**
 * A call's news (a live event or this agent's own action's answer) written into the cache:
 * `calls.active`, so every view of calls follows, and the inbox's "Call requests" lists, which
 * drop a conversation whose request was taken up and read again when one they lack has a new one.
 * A read of `calls.active` in flight may have been answered before it: it is made again.
 */
export function applyCall(queryClient: QueryClient, trpc: Trpc, call: Call, invalidate: Invalidate): void {
  const key = trpc.calls.active.queryKey();
  queryClient.setQueryData<ActiveCalls>(key, (data) => withCall(data, call));
  if (queryClient.getQueryState(key)?.fetchStatus === 'fetching') invalidate(key);
  const waiting = waitingConversations(queryClient, trpc);
  const stillWaiting = isWaiting(call) || !!waiting?.has(call.conversationId);
  for (const [listKey, data] of queryClient.getQueriesData<InboxPages>({ queryKey: trpc.inbox.list.pathKey() })) {
    if (!data || !inputOf(listKey).callPending) continue;
    const held = findRow(data, call.conversationId);
    if (stillWaiting && !held) invalidate(listKey);
    else if (!stillWaiting && held) writeList(queryClient, listKey, removeRow(data, call.conversationId), invalidate);
  }
}
