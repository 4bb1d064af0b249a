import { useEffect, useState, type RefObject } from 'react';
import { conversationPriorities, conversationTypes } from '../../../src/db/schema.js';
import { CallRequestsFilter } from '../calls/call-requests-filter.js';
import type { ConversationType, InboxFilters, Priority } from './filters.js';

const TYPE_LABELS: Record<ConversationType, string> = { general: 'General', onboarding: 'Onboarding', call_request: 'Call request' };

/** Priority and type filters, call requests waiting, and a full-text search that waits for a pause in typing. */
export function InboxFiltersBar({
  filters,
  onChange,
  searchRef,
}: {
  filters: InboxFilters;
  onChange: (patch: Partial<InboxFilters>) => void;
  searchRef: RefObject<HTMLInputElement | null>;
}) {
  const [search, setSearch] = useState(filters.search);
  useEffect(() => {
    const timer = setTimeout(() => search !== filters.search && onChange({ search }), 300);
    return () => clearTimeout(timer);
  }, [search]);
  return (
    <div className="filters">
      <input
        ref={searchRef}
        type="search"
        aria-label="Search messages"
        placeholder="Search messages  (/)"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => e.key === 'Enter' && onChange({ search })}
      />
      <select aria-label="Priority" value={filters.priority ?? ''} onChange={(e) => onChange({ priority: (e.target.value || null) as Priority | null })}>
        <option value="">Any priority</option>
        {conversationPriorities.map((p) => (
          <option key={p} value={p}>
            {p[0]!.toUpperCase() + p.slice(1)}
          </option>
        ))}
      </select>
      <select aria-label="Type" value={filters.type ?? ''} onChange={(e) => onChange({ type: (e.target.value || null) as ConversationType | null })}>
        <option value="">Any type</option>
        {conversationTypes.map((t) => (
          <option key={t} value={t}>
            {TYPE_LABELS[t]}
          </option>
        ))}
      </select>
      <CallRequestsFilter pressed={filters.callPending} onToggle={() => onChange({ callPending: !filters.callPending })} />
    </div>
  );
}
