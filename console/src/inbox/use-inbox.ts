import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';
import { rowsOf } from './cache.js';
import { listInput, type InboxFilters } from './filters.js';

/** One list of the inbox, page by page by cursor; rows come out flat and each once. */
export function useInboxList(filters: InboxFilters) {
  const trpc = useTRPC();
  return useInfiniteQuery({
    ...trpc.inbox.list.infiniteQueryOptions(listInput(filters), { getNextPageParam: (page) => page.nextCursor }),
    select: rowsOf,
  });
}

export function useInboxCounts() {
  const trpc = useTRPC();
  return useQuery(trpc.inbox.counts.queryOptions());
}
