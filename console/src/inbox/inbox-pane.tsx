import { useRef, useState } from 'react';
import { useShortcut } from '../ui/shortcuts.js';
import { DEFAULT_FILTERS, type InboxFilters } from './filters.js';
import { InboxFiltersBar } from './inbox-filters.js';
import { InboxList } from './inbox-list.js';
import { StatusTabs } from './status-tabs.js';

/** The inbox: which conversations (tabs and filters) and the list of them. */
export function InboxPane({ openId, onOpen }: { openId: string | null; onOpen: (id: string) => void }) {
  const [filters, setFilters] = useState<InboxFilters>(DEFAULT_FILTERS);
  const search = useRef<HTMLInputElement>(null);
  const change = (patch: Partial<InboxFilters>) => setFilters((f) => ({ ...f, ...patch }));
  useShortcut(['/'], () => search.current?.focus());
  return (
    <section className="inbox" aria-label="Inbox">
      <StatusTabs filters={filters} onChange={change} />
      <InboxFiltersBar filters={filters} onChange={change} searchRef={search} />
      <InboxList filters={filters} openId={openId} onOpen={onOpen} />
    </section>
  );
}
