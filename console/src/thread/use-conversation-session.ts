import { useEffect, useState, useSyncExternalStore } from 'react';
import { ConversationSession, type ConversationState } from '../../../client/src/index.js';
import { useTRPCClient } from '../api/trpc.js';
import { trpcTransport } from './trpc-transport.js';

const none = () => () => undefined;
const noState = () => null;

/**
 * The open conversation on the shared client core (the widget's message store, outbox, typing
 * and read receipts), fed by `live.conversation` over SSE. The link reconnects with the last
 * seq it saw; each (re)start tells the session, which joins and catches up from what it holds.
 */
export function useConversationSession(conversationId: string): { session: ConversationSession | null; state: ConversationState | null } {
  const api = useTRPCClient();
  const [session, setSession] = useState<ConversationSession | null>(null);
  useEffect(() => {
    const created = new ConversationSession({ transport: trpcTransport(api), ours: (m) => m.senderType === 'admin', conversationId });
    const live = api.live.conversation.subscribe(
      { conversationId },
      {
        onStarted: () => created.connected(),
        onConnectionStateChange: (state) => state.state === 'connecting' && state.error && created.disconnected(),
        onData: (tracked) => {
          const event = 'data' in tracked ? tracked.data : tracked;
          if (event.type === 'message') created.received(event.message);
          else if (event.type === 'read') created.read(event.messageId);
          else if (event.type === 'typing' && event.senderType !== 'admin') created.theirTyping(event.isTyping, event.senderType);
        },
      },
    );
    setSession(created);
    return () => {
      live.unsubscribe();
      created.dispose();
    };
  }, [api, conversationId]);
  const state = useSyncExternalStore(session?.subscribe ?? none, session?.getState ?? noState);
  return { session, state };
}
