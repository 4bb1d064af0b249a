import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';

/** The team's saved replies and the calls that change them; each change refetches the list. */
export function useSavedReplies() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const onSuccess = () => queryClient.invalidateQueries({ queryKey: trpc.savedReplies.list.queryKey() });
  return {
    list: useQuery(trpc.savedReplies.list.queryOptions()),
    create: useMutation(trpc.savedReplies.create.mutationOptions({ onSuccess })),
    update: useMutation(trpc.savedReplies.update.mutationOptions({ onSuccess })),
    remove: useMutation(trpc.savedReplies.delete.mutationOptions({ onSuccess })),
  };
}
