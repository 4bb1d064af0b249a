import { useState } from 'react';
import { useAttention } from './attention/use-attention.js';
import { usePresence } from './attention/use-presence.js';
import { AttentionSettings } from './attention/attention-settings.js';
import { useAgent } from './auth/agent-context.js';
import { CallBar } from './calls/call-bar.js';
import { ConversationPane } from './conversation/conversation-pane.js';
import { InboxPane } from './inbox/inbox-pane.js';
import { useLiveInbox } from './inbox/live-inbox.js';
import { takeConversationFromAddress } from './ui/address.js';
import { useShortcut } from './ui/shortcuts.js';

/**
 * The signed-in console: the inbox beside the open conversation (one at a time on a narrow
 * screen), and the call bar over both while a call goes on. The inbox feed runs here, for the
 * whole session. A link to `#conversation=<id>` opens on that conversation.
 */
export function Console({ onSignOut }: { onSignOut: () => void }) {
  const agent = useAgent();
  const [openId, setOpenId] = useState<string | null>(takeConversationFromAddress);
  usePresence();
  const attention = useAttention(openId);
  const live = useLiveInbox(attention.onCustomerMessage);
  useShortcut(['Escape'], () => setOpenId(null), openId !== null);
  return (
    <div className="console" data-view={openId ? 'conversation' : 'inbox'}>
      <header className="topbar">
        <h1>Support console</h1>
        <span className="connection" role="status">
          {live.status === 'connecting' ? 'Reconnecting…' : live.status === 'error' ? 'Live updates stopped' : ''}
        </span>
        <AttentionSettings settings={attention.settings} />
        <span className="me">{agent.name}</span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <CallBar onOpen={setOpenId} />
      <main className="panes">
        <InboxPane openId={openId} onOpen={setOpenId} />
        {openId ? (
          <ConversationPane key={openId} conversationId={openId} onBack={() => setOpenId(null)} />
        ) : (
          <section className="conversation placeholder" aria-label="Conversation">
            <p>Pick a conversation (j / k to move, Enter to open).</p>
          </section>
        )}
      </main>
    </div>
  );
}
