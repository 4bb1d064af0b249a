import { useAgent } from '../auth/agent-context.js';

/** Assign to anyone or to nobody. */
export function AssigneePicker({ adminId, onAssign }: { adminId: string | null; onAssign: (adminId: string | null) => void }) {
  const me = useAgent();
  return (
    <select aria-label="Assignee" value={adminId ?? ''} onChange={(e) => onAssign(e.target.value || null)}>
      <option value="">Unassigned</option>
      <option value={me.id}>{me.name} (you)</option>
      {adminId && adminId !== me.id && <option value={adminId}>Another agent</option>}
    </select>
  );
}
