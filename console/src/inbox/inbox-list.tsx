import { useEffect, useRef, useState } from 'react';
import { useShortcut } from '../ui/shortcuts.js';
import type { InboxFilters } from './filters.js';
import { InboxRow } from './inbox-row.js';
import { useInboxList } from './use-inbox.js';

/**
 * The conversations as a listbox: j/k or the arrows move between rows, Enter opens one. The
 * last row in view asks for the next page; the button under the list does the same by keyboard.
 */
export function InboxList({ filters, openId, onOpen }: { filters: InboxFilters; openId: string | null; onOpen: (id: string) => void }) {
  const list = useInboxList(filters);
  const rows = list.data ?? [];
  const [cursorId, setCursorId] = useState<string | null>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const more = useRef<HTMLDivElement>(null);
  const cursor = rows.findIndex((row) => row.id === cursorId);

  function moveTo(index: number) {
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    setCursorId(row.id);
    listRef.current?.querySelector<HTMLElement>(`[data-id="${row.id}"]`)?.focus();
  }
  const step = (by: number) => moveTo(cursor === -1 ? rows.findIndex((r) => r.id === openId) + (by > 0 ? by : 0) : cursor + by);
  useShortcut(['j', 'ArrowDown'], () => step(1));
  useShortcut(['k', 'ArrowUp'], () => step(-1));

  useEffect(() => {
    const sentinel = more.current;
    if (!sentinel) return;
    const observer = new IntersectionObserver(([entry]) => {
      if (entry?.isIntersecting && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
    });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [list.hasNextPage, list.isFetchingNextPage, list.fetchNextPage]);

  return (
    <div className="inbox-scroll">
      <ul ref={listRef} role="listbox" aria-label="Conversations" className="inbox-list" aria-busy={list.isFetching}>
        {rows.map((row, i) => (
          <InboxRow
            key={row.id}
            row={row}
            open={row.id === openId}
            focusable={cursor === -1 ? i === 0 : i === cursor}
            onOpen={() => {
              setCursorId(row.id);
              onOpen(row.id);
            }}
          />
        ))}
      </ul>
      {list.isSuccess && rows.length === 0 && <p className="empty">No conversations here.</p>}
      {list.isError && <p className="empty" role="alert">The inbox could not be loaded.</p>}
      <div ref={more} className="more">
        {list.hasNextPage && (
          <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </div>
  );
}
