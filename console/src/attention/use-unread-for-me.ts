import { useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';
import { findRow, type InboxPages } from '../inbox/cache.js';
import { useInboxCounts } from '../inbox/use-inbox.js';

/**
 * How many conversations assigned to the agent or to nobody have something unread: counted by
 * the server over the whole inbox (`inbox.counts`), which the live feed keeps current. `rowOf`
 * finds a conversation in whatever inbox lists are cached, for a notification's wording.
 */
export function useUnreadForMe() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const counts = useInboxCounts().data;
  return {
    count: counts?.active.unreadForMe ?? 0,
    rowOf: (id: string) => {
      for (const [, data] of queryClient.getQueriesData<InboxPages>({ queryKey: trpc.inbox.list.pathKey() })) {
        const row = findRow(data, id);
        if (row) return row;
      }
      return undefined;
    },
  };
}
