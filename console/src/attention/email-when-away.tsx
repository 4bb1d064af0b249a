import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';

/**
 * The agent's switch for emails about their customers while the console is closed. Shown
 * only where it can take effect: the server sends email and the agent's token has an address.
 */
export function EmailWhenAway() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const preferences = useQuery(trpc.email.agentPreferences.queryOptions());
  const change = useMutation(
    trpc.email.setAgentPreferences.mutationOptions({
      onSuccess: (saved) => queryClient.setQueryData(trpc.email.agentPreferences.queryKey(), saved),
    }),
  );
  const current = preferences.data;
  if (!current?.emailEnabled || !current.address) return null;
  return (
    <button
      type="button"
      aria-pressed={current.emailWhenAway}
      disabled={change.isPending}
      title={`Email ${current.address} about customers’ new messages in your conversations while the console is closed`}
      onClick={() => change.mutate({ emailWhenAway: !current.emailWhenAway })}
    >
      Email when away {current.emailWhenAway ? 'on' : 'off'}
    </button>
  );
}
