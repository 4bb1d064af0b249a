import { useAgent } from '../auth/agent-context.js';
import { useAgents } from './agents.js';

const STATE = { online: '● online', away: '◐ away', offline: '○ offline' } as const;

/** Assign to any agent (each with their presence) or to nobody. */
export function AssigneePicker({ adminId, onAssign }: { adminId: string | null; onAssign: (adminId: string | null) => void }) {
  const me = useAgent();
  const agents = useAgents({ fresh: true }).data?.agents ?? [];
  const listed = agents.some((a) => a.adminId === adminId);
  return (
    <select aria-label="Assignee" value={adminId ?? ''} onChange={(e) => onAssign(e.target.value || null)}>
      <option value="">Unassigned</option>
      {!agents.some((a) => a.adminId === me.id) && <option value={me.id}>{me.name} (you)</option>}
      {agents.map((agent) => (
        <option key={agent.adminId} value={agent.adminId}>
          {agent.name ?? agent.email ?? 'Agent'}
          {agent.adminId === me.id ? ' (you)' : ''} — {STATE[agent.state]}
        </option>
      ))}
      {adminId && !listed && adminId !== me.id && <option value={adminId}>Another agent</option>}
    </select>
  );
}
