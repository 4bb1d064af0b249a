import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useTRPC } from '../api/trpc.js';
import { CallButton } from '../calls/call-button.js';
import { CallRequest } from '../calls/call-request.js';
import { useNotes } from '../notes/use-notes.js';
import { ReplyBox } from '../reply/reply-box.js';
import { ThreadView } from '../thread/thread-view.js';
import { useConversationSession } from '../thread/use-conversation-session.js';
import { detailsLabel } from '../ui/customer.js';
import { ConversationActions } from './conversation-actions.js';
import { CustomerPanel } from './customer-panel.js';

/** The open conversation: its header and actions (a call), a waiting call request, the thread and reply box, the customer beside it. */
export function ConversationPane({ conversationId, onBack }: { conversationId: string; onBack: () => void }) {
  const trpc = useTRPC();
  const details = useQuery(trpc.conversations.details.queryOptions({ conversationId }));
  const { session, files, state } = useConversationSession(conversationId);
  const column = useRef<HTMLDivElement>(null);
  const notes = useNotes(conversationId);

  // What is on screen is read: the core marks the customer's messages while the tab is visible.
  useEffect(() => {
    if (!session) return;
    const update = () => session.setVisible(document.visibilityState === 'visible');
    update();
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, [session]);

  if (!details.data) {
    return (
      <section className="conversation" aria-label="Conversation">
        <p className="empty">{details.isError ? 'This conversation could not be loaded.' : 'Loading…'}</p>
      </section>
    );
  }
  const d = details.data;
  const customer = detailsLabel(d);
  return (
    <section className="conversation" aria-label={`Conversation with ${customer}`}>
      <header className="conversation-header">
        <button type="button" className="back" onClick={onBack} aria-label="Back to the inbox">
          ← Inbox
        </button>
        <h2 className="conversation-title">{customer}</h2>
        <CallButton conversation={d} />
        <ConversationActions conversation={d} />
      </header>
      <CallRequest conversationId={conversationId} closed={d.status === 'closed'} />
      <div className="conversation-body">
        <div className="thread-column" ref={column}>
          {session && files && state ? <ThreadView session={session} files={files} state={state} notes={notes.list.data?.notes ?? []} customer={customer} /> : <div className="thread-scroll" />}
          {state?.connection === 'reconnecting' && <p className="connection-lost" role="status">Connection lost. Reconnecting…</p>}
          {state?.ended && <p className="ended" role="status">{state.ended}</p>}
          <ReplyBox
            conversationId={conversationId}
            disabled={!session || d.status === 'closed'}
            onSend={(text, picked) => session?.send(text, picked)}
            onNote={(text) => notes.create.mutateAsync({ conversationId, text })}
            onInput={(text) => session?.input(text)}
            dropZone={column}
          />
        </div>
        <CustomerPanel details={d} />
      </div>
    </section>
  );
}
