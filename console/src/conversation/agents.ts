import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';

/**
 * Every agent who has signed in, online first; refreshed as often as consoles send heartbeats.
 * The assignment picker asks afresh each time it appears (`fresh`): whoever just signed in is there.
 */
export function useAgents({ fresh = false } = {}) {
  const trpc = useTRPC();
  return useQuery({ ...trpc.presence.agents.queryOptions(), refetchInterval: 20_000, ...(fresh && { refetchOnMount: 'always' as const }) });
}

/** An agent's name for assignee labels. */
export function useAgentNames(): (adminId: string) => string {
  const agents = useAgents().data?.agents ?? [];
  return (adminId) => {
    const agent = agents.find((a) => a.adminId === adminId);
    return agent?.name ?? agent?.email ?? 'Another agent';
  };
}
