import type { InboxItem } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import { customerLabel } from '../ui/customer.js';
import { RelativeTime } from '../ui/relative-time.js';
import { useAgentNames } from '../conversation/agents.js';
import { previewOf } from './preview.js';

/** One conversation in the list: who, the latest message or note, when, unread, assignee, priority. */
export function InboxRow({ row, open, focusable, onOpen }: { row: InboxItem; open: boolean; focusable: boolean; onOpen: () => void }) {
  const me = useAgent().id;
  const nameOf = useAgentNames();
  const preview = previewOf(row);
  const assignee = row.adminId === null ? 'Unassigned' : row.adminId === me ? 'You' : nameOf(row.adminId);
  return (
    <li
      role="option"
      aria-selected={open}
      data-id={row.id}
      data-unread={row.unreadCount}
      tabIndex={focusable ? 0 : -1}
      className="inbox-row"
      onClick={onOpen}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onOpen();
        }
      }}
    >
      <div className="row-top">
        <span className="customer">{customerLabel(row.customer)}</span>
        {row.priority !== 'normal' && <span className={`priority priority-${row.priority}`}>{row.priority}</span>}
        {row.lastMessageAt && <RelativeTime iso={row.lastMessageAt} />}
      </div>
      {row.subject && <div className="subject">{row.subject}</div>}
      <div className="row-bottom">
        <span className={`preview${preview.note ? ' preview-note' : ''}`}>{preview.text}</span>
        {row.unreadCount > 0 && (
          <span className="unread" aria-label={`${row.unreadCount} unread`}>
            {row.unreadCount}
          </span>
        )}
      </div>
      <div className="assignee">{assignee}</div>
    </li>
  );
}
