import { ConversationEndedError, joined, type ConversationTransport } from '../../../client/src/index.js';
import { statusOf, type ApiClient } from '../api/client.js';

const TIMEOUT_MS = 15_000;
export const within = () => ({ signal: AbortSignal.timeout(TIMEOUT_MS) });

/** A closed conversation (409) takes no more replies: the session fails what waits, not retries it. */
export async function call<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (statusOf(error) === 409) throw new ConversationEndedError((error as Error).message);
    throw error;
  }
}

/**
 * The shared client core's transport over the console's tRPC client: requests over HTTP with
 * the agent's token; the live half (live.conversation over SSE) is fed in by useConversationSession.
 */
export function trpcTransport(api: ApiClient): ConversationTransport {
  return {
    join: async (conversationId, afterSeq) => joined(await call(api.conversations.join.mutate({ conversationId, afterSeq }, within()))),
    history: (conversationId, page) => call(api.messages.list.query({ conversationId, ...page }, within())),
    sync: (conversationId, afterSeq, limit) => call(api.messages.sync.query({ conversationId, afterSeq, limit }, within())),
    send: (input) => call(api.messages.send.mutate(input, within())),
    markRead: async (messageId) => void (await call(api.messages.markRead.mutate({ messageId }, within()))),
    typing: async (conversationId, isTyping) => void (await call(api.conversations.typing.mutate({ conversationId, isTyping }, within()))),
  };
}
