import type { QueryClient } from '@tanstack/react-query';
import type { Call } from '../../../client/src/index.js';
import type { useTRPC } from '../api/trpc.js';

export type ActiveCalls = { calls: Call[] };

/** A customer's request an agent has not taken up yet (the inbox's "Call requests"). */
export const isWaiting = (call: Pick<Call, 'status'>) => call.status === 'requested' || call.status === 'scheduled';
/** Ringing or answered: a call with two windows in it. */
export const isConnecting = (call: Pick<Call, 'status'>) => call.status === 'ringing' || call.status === 'in_progress';
/** What `calls.active` lists. */
export const isLive = (call: Pick<Call, 'status'>) => isWaiting(call) || isConnecting(call);

/** The conversation's waiting request (a conversation has one live call at most). */
export const waitingCallOf = (calls: readonly Call[] | undefined, conversationId: string) =>
  calls?.find((call) => call.conversationId === conversationId && isWaiting(call));

/** The conversations with a request waiting, as far as the cache knows (undefined before the first read). */
export function waitingConversations(queryClient: QueryClient, trpc: ReturnType<typeof useTRPC>): Set<string> | undefined {
  const data = queryClient.getQueryData<ActiveCalls>(trpc.calls.active.queryKey());
  return data && new Set(data.calls.filter(isWaiting).map((call) => call.conversationId));
}
