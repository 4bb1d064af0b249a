import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { useTRPC } from '../api/trpc.js';
import { isWaiting } from './call-status.js';

/**
 * The inbox's "Call requests" toggle: only conversations with a request waiting for an agent.
 * Beside it, how many are waiting (every one, from `calls.active`, kept live by `live.calls`).
 */
export function CallRequestsFilter({ pressed, onToggle }: { pressed: boolean; onToggle: () => void }) {
  const trpc = useTRPC();
  const waiting = useQuery({ ...trpc.calls.active.queryOptions(), select: (data) => data.calls.filter(isWaiting).length }).data;
  const count = useId();
  return (
    <span className="call-requests">
      <button type="button" aria-pressed={pressed} aria-describedby={count} onClick={onToggle}>
        Call requests
      </button>
      <span id={count} className="call-requests-count" data-count={waiting ?? ''}>
        {waiting === undefined ? '…' : `${waiting} waiting`}
      </span>
    </span>
  );
}
