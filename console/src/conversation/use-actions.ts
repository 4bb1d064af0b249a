import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef } from 'react';
import { useTRPC, type Conversation } from '../api/trpc.js';
import { useAgent } from '../auth/agent-context.js';
import { applyConversation, debouncedInvalidate } from '../inbox/apply-change.js';

/** Assign, unassign, status and priority: each answer goes into the cache at once. */
export function useConversationActions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useAgent().id;
  const invalidate = useRef(debouncedInvalidate(queryClient)).current;
  const onSuccess = (conversation: Conversation) => applyConversation(queryClient, trpc, conversation, me, invalidate);
  return {
    assign: useMutation(trpc.inbox.assign.mutationOptions({ onSuccess })),
    unassign: useMutation(trpc.inbox.unassign.mutationOptions({ onSuccess })),
    setStatus: useMutation(trpc.inbox.setStatus.mutationOptions({ onSuccess })),
    setPriority: useMutation(trpc.inbox.setPriority.mutationOptions({ onSuccess })),
  };
}
