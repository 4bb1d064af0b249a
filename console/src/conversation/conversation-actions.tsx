import { conversationPriorities, conversationStatuses } from '../../../src/db/schema.js';
import type { Conversation } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import type { Priority, Status } from '../inbox/filters.js';
import { useShortcut } from '../ui/shortcuts.js';
import { AssigneePicker } from './assignee-picker.js';
import { useConversationActions } from './use-actions.js';

const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);

/** Who has it, its status and priority; e or c closes it from the keyboard. */
export function ConversationActions({ conversation }: { conversation: Conversation }) {
  const me = useAgent().id;
  const actions = useConversationActions();
  const conversationId = conversation.id;
  const close = () => conversation.status !== 'closed' && actions.setStatus.mutate({ conversationId, status: 'closed' });
  useShortcut(['e', 'c'], close);
  const failed = [actions.assign, actions.unassign, actions.setStatus, actions.setPriority].find((m) => m.isError);
  return (
    <div className="actions" role="group" aria-label="Conversation actions">
      {conversation.adminId !== me && (
        <button type="button" onClick={() => actions.assign.mutate({ conversationId })}>
          Assign to me
        </button>
      )}
      <AssigneePicker
        adminId={conversation.adminId}
        onAssign={(adminId) => (adminId ? actions.assign.mutate({ conversationId, adminId }) : actions.unassign.mutate({ conversationId }))}
      />
      <label>
        <span className="sr-only">Status</span>
        <select aria-label="Status" value={conversation.status} onChange={(e) => actions.setStatus.mutate({ conversationId, status: e.target.value as Status })}>
          {conversationStatuses.map((s) => (
            <option key={s} value={s}>
              {capital(s)}
            </option>
          ))}
        </select>
      </label>
      <select aria-label="Priority" value={conversation.priority} onChange={(e) => actions.setPriority.mutate({ conversationId, priority: e.target.value as Priority })}>
        {conversationPriorities.map((p) => (
          <option key={p} value={p}>
            {capital(p)} priority
          </option>
        ))}
      </select>
      {conversation.status !== 'closed' && (
        <button type="button" onClick={close} aria-keyshortcuts="e c">
          Close
        </button>
      )}
      {failed && (
        <span role="alert" className="error">
          {failed.error?.message}
        </span>
      )}
    </div>
  );
}
