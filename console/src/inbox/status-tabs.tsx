import { conversationStatuses } from '../../../src/db/schema.js';
import type { Assignee, InboxFilters } from './filters.js';
import { useInboxCounts } from './use-inbox.js';

const STATUS_LABELS = { open: 'Open', pending: 'Pending', closed: 'Closed' } as const;
const ASSIGNEES: { value: Assignee; label: string; count: 'mine' | 'unassigned' | 'all' }[] = [
  { value: 'me', label: 'Mine', count: 'mine' },
  { value: 'none', label: 'Unassigned', count: 'unassigned' },
  { value: 'all', label: 'All', count: 'all' },
];

/**
 * Status tabs counted over every assignee, and assignee buckets counted over open and pending
 * conversations (what `inbox.counts` answers), so each number says what it counts.
 */
export function StatusTabs({ filters, onChange }: { filters: InboxFilters; onChange: (patch: Partial<InboxFilters>) => void }) {
  const counts = useInboxCounts().data;
  return (
    <div className="tabs">
      <div role="tablist" aria-label="Status" className="status-tabs">
        {conversationStatuses.map((status) => (
          <button
            key={status}
            role="tab"
            type="button"
            aria-selected={filters.status === status}
            data-status={status}
            onClick={() => onChange({ status })}
          >
            {STATUS_LABELS[status]} <span className="count">{counts?.byStatus[status] ?? '…'}</span>
          </button>
        ))}
      </div>
      <div role="group" aria-label="Assignee (counts: open and pending)" className="assignee-switch">
        {ASSIGNEES.map(({ value, label, count }) => (
          <button key={value} type="button" aria-pressed={filters.assignee === value} data-assignee={value} onClick={() => onChange({ assignee: value })}>
            {label} <span className="count">{counts?.active[count] ?? '…'}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
