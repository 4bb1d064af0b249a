import { useInfiniteQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';
import { rowsOf } from '../inbox/cache.js';

/**
 * The conversations assigned to the agent and the unassigned ones, newest activity first (the
 * first 100 of each). They are inbox lists like any other, so the live feed keeps them current.
 */
export function useUnreadForMe() {
  const trpc = useTRPC();
  const options = { getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor };
  const mine = useInfiniteQuery({ ...trpc.inbox.list.infiniteQueryOptions({ assignee: 'me', limit: 100 }, options), select: rowsOf });
  const nobodys = useInfiniteQuery({ ...trpc.inbox.list.infiniteQueryOptions({ assignee: 'none', limit: 100 }, options), select: rowsOf });
  const rows = [...(mine.data ?? []), ...(nobodys.data ?? [])].filter((row) => row.status !== 'closed');
  return {
    count: rows.filter((row) => row.unreadCount > 0).length,
    rowOf: (id: string) => rows.find((row) => row.id === id),
  };
}
