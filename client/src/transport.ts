import type { Message, Page } from './wire.js';

/** What an app's connection to the server does for a conversation (Socket.IO, tRPC, REST). */
export interface ConversationTransport {
  /**
   * Subscribes this connection to the conversation's live events; resolves with its newest seq.
   * With `afterSeq` (a reconnect), `missed` is the first catch-up page after it, read once
   * subscribed; a transport whose server answers none leaves it out, and the session syncs.
   */
  join(conversationId: string, afterSeq?: number): Promise<Joined>;
  /** History: the newest page, or the page just older than seq `before`. */
  history(conversationId: string, page: { limit: number; before?: number }): Promise<Page>;
  /** Catch-up: messages with seq > afterSeq, oldest first. */
  sync(conversationId: string, afterSeq: number, limit: number): Promise<Page>;
  /** A text message, or a file message (`messageType: 'file'`, its caption and checked attachments). */
  send(input: { conversationId: string; message: string; clientMessageId: string; messageType?: 'file'; attachmentIds?: string[] }): Promise<Message>;
  markRead(messageId: string): Promise<void>;
  typing(conversationId: string, isTyping: boolean): Promise<void>;
}

export interface Joined {
  lastSeq: number;
  missed?: Page;
}

/** The server's join answer (`conversation:join`, `conversations.join`) as the session takes it. */
export function joined(answer: { lastSeq: number; messages?: readonly Message[]; pagination?: Page['pagination'] }): Joined {
  const { lastSeq, messages, pagination } = answer;
  return messages && pagination ? { lastSeq, missed: { messages, pagination } } : { lastSeq };
}

/**
 * Thrown by a transport when the server says the conversation takes no more of this client
 * (closed, or no longer theirs): retrying there cannot help.
 */
export class ConversationEndedError extends Error {
  override name = 'ConversationEndedError';
}

/** What a user should read for a failure: its message, or a general line when it has none. */
export function errorMessage(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}
