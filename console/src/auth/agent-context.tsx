import { createContext, useContext, type ReactNode } from 'react';
import type { Agent } from './token.js';

const AgentContext = createContext<Agent | null>(null);

export function AgentProvider({ agent, children }: { agent: Agent; children: ReactNode }) {
  return <AgentContext.Provider value={agent}>{children}</AgentContext.Provider>;
}

/** The signed-in agent, from their token. */
export function useAgent(): Agent {
  const agent = useContext(AgentContext);
  if (!agent) throw new Error('useAgent outside a signed-in console');
  return agent;
}
