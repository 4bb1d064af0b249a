import { useEffect, useState, useSyncExternalStore } from 'react';
import { AttachmentFiles, ConversationSession, type ConversationState } from '../../../client/src/index.js';
import { useTRPCClient } from '../api/trpc.js';
import { useConsoleFiles } from './trpc-files.js';
import { trpcTransport } from './trpc-transport.js';

const none = () => () => undefined;
const noState = () => null;

interface Open {
  session: ConversationSession;
  /** The conversation's attachments as object URLs, fetched once each, revoked when it closes. */
  files: AttachmentFiles;
}

/**
 * The open conversation on the shared client core (the widget's message store, outbox, typing
 * and read receipts), fed by `live.conversation` over SSE. The link reconnects with the last
 * seq it saw; each (re)start tells the session, which joins and catches up from what it holds.
 */
export function useConversationSession(conversationId: string): { session: ConversationSession | null; files: AttachmentFiles | null; state: ConversationState | null } {
  const api = useTRPCClient();
  const consoleFiles = useConsoleFiles();
  const [open, setOpen] = useState<Open | null>(null);
  useEffect(() => {
    const created = new ConversationSession({ transport: trpcTransport(api), files: consoleFiles.transport, ours: (m) => m.senderType === 'admin', conversationId });
    const files = new AttachmentFiles(consoleFiles.reader);
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
    setOpen({ session: created, files });
    return () => {
      live.unsubscribe();
      created.dispose();
      files.dispose();
    };
  }, [api, consoleFiles, conversationId]);
  const session = open?.session ?? null;
  const state = useSyncExternalStore(session?.subscribe ?? none, session?.getState ?? noState);
  return { session, files: open?.files ?? null, state };
}
