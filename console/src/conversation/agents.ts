/**
 * Agents' names for assignee labels. Until the server lists agents (presence.agents), an agent
 * other than the signed-in one is shown as "Another agent".
 */
export function useAgentNames(): (adminId: string) => string {
  return () => 'Another agent';
}
