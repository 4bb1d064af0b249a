import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../api/trpc.js';
import { CustomerPanel } from './customer-panel.js';
import { ConversationActions } from './conversation-actions.js';

/** The open conversation: its header and actions, the thread and reply box, the customer beside it. */
export function ConversationPane({ conversationId, onBack }: { conversationId: string; onBack: () => void }) {
  const trpc = useTRPC();
  const details = useQuery(trpc.conversations.details.queryOptions({ conversationId }));
  if (!details.data) {
    return (
      <section className="conversation" aria-label="Conversation">
        <p>{details.isError ? 'This conversation could not be loaded.' : 'Loading…'}</p>
      </section>
    );
  }
  return (
    <section className="conversation" aria-label="Conversation">
      <header className="conversation-header">
        <button type="button" className="back" onClick={onBack} aria-label="Back to the inbox">
          ← Inbox
        </button>
        <ConversationActions conversation={details.data} />
      </header>
      <div className="conversation-body">
        <div className="thread-column">{/* the thread and the reply box: on the shared client core */}</div>
        <CustomerPanel details={details.data} />
      </div>
    </section>
  );
}
