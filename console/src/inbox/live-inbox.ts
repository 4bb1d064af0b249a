import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useRef } from 'react';
import { useTRPC, type Conversation, type Message } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import { waitingConversations } from '../calls/call-status.js';
import { applyConversation, debouncedInvalidate, inputOf, throttledInvalidate, writeList } from './apply-change.js';
import { findRow, withMessage, type InboxPages } from './cache.js';
import { applyNote } from '../notes/note-cache.js';

/** How long the server gathers inbox changes into one event: fast enough to feel live. */
const LIVE_INBOX_BATCH_MS = 250;
const NEW_ROWS_REFETCH_MS = 2_000;
/** The counts (and the title's unread number) follow messages and reads at most this often. */
const COUNTS_REFETCH_MS = 5_000;

export interface CustomerMessage {
  message: Message;
  /** Assigned to nobody or to this agent, as far as the cached lists know. */
  forMe: boolean;
}

/**
 * The agents' feed (`live.inbox`) written into the query cache: every cached inbox list, the
 * counts and the open conversation's details follow it, so no component keeps a second copy.
 * After a dropped connection the link resumes with the last event id; what the server could not
 * replay is caught up by refetching.
 */
export function useLiveInbox(onCustomerMessage: (event: CustomerMessage) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useAgent().id;
  const started = useRef(0);
  const invalidate = useRef(debouncedInvalidate(queryClient)).current;
  // A message for a conversation the list does not hold yet needs the list read again: at most
  // every 2 s, so a busy inbox's agents do not read it many times a second each.
  const refetchForNewRows = useRef(debouncedInvalidate(queryClient, NEW_ROWS_REFETCH_MS)).current;
  // Every message and read can change how many conversations are unread for this agent.
  const refetchCounts = useRef(throttledInvalidate(queryClient, COUNTS_REFETCH_MS)).current;
  const lists = () => queryClient.getQueriesData<InboxPages>({ queryKey: trpc.inbox.list.pathKey() });

  function onMessage(message: Message) {
    let row;
    // A "Call requests" list gains a row by a call's news (calls/call-cache.ts), not by a message.
    const waiting = waitingConversations(queryClient, trpc);
    for (const [key, data] of lists()) {
      if (!data) continue;
      row ??= findRow(data, message.conversationId);
      const next = withMessage(data, message);
      if (next) writeList(queryClient, key, next, invalidate);
      else if (!inputOf(key).callPending || !waiting || waiting.has(message.conversationId)) refetchForNewRows(key);
    }
    if (message.seq === 1) invalidate(trpc.inbox.counts.queryKey());
    else refetchCounts(trpc.inbox.counts.queryKey());
    if (message.senderType === 'user' || message.senderType === 'guest') {
      onCustomerMessage({ message, forMe: !row || row.adminId === null || row.adminId === me });
    }
  }

  const onConversation = (conversation: Conversation) => applyConversation(queryClient, trpc, conversation, me, invalidate);

  /** Reads carry no seq: a list showing unread messages there asks the server again. */
  function onRead(conversationId: string) {
    for (const [key, data] of lists()) if ((findRow(data, conversationId)?.unreadCount ?? 0) > 0) invalidate(key);
    refetchCounts(trpc.inbox.counts.queryKey());
  }

  // Batched: a busy inbox (hundreds of messages a second) arrives as a few events a second.
  return useSubscription(
    trpc.live.inbox.subscriptionOptions(
      { batchMs: LIVE_INBOX_BATCH_MS },
      {
        onStarted: () => {
          if (started.current++ === 0) return;
          void queryClient.invalidateQueries({ queryKey: trpc.inbox.pathKey() });
        },
        onData: ({ data }) => {
          for (const event of data.type === 'batch' ? data.events : [data]) {
            if (event.type === 'message') onMessage(event.message);
            else if (event.type === 'conversation') onConversation(event.conversation);
            else if (event.type === 'read') onRead(event.conversationId);
            else if (event.type === 'note') applyNote(queryClient, trpc, event.note, event.change, invalidate);
          }
        },
      },
    ),
  );
}
