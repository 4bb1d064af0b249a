/**
 * @support-chat/client: the client core the widget and the agents' console share, and the
 * server's `AppRouter` type for `@trpc/client`.
 */
export {
  CallSession,
  ELSEWHERE,
  formatCallTime,
  MediaRefusedError,
  MICROPHONE_REFUSED,
  type CallMedia,
  type CallPhase,
  type CallSessionOptions,
  type CallSide,
  type CallState,
  type CallTransport,
  type JoinedCall,
  type MediaPathState,
  type MediaState,
} from './call.js';
export { systemClock, type Clock } from './clock.js';
export { ConversationSession, MAX_MESSAGE_LENGTH, type Connection, type ConversationState, type SendResult, type SessionOptions } from './conversation.js';
export { randomId } from './ids.js';
export { MessageStore, type Change } from './message-store.js';
export { Outbox, type Attempt, type OutboxFile, type OutboxItem, type OutboxState } from './outbox.js';
export { ReadReceipts } from './read-receipts.js';
export { ConversationEndedError, errorMessage, joined, type ConversationTransport, type Joined } from './transport.js';
export { THEIR_TYPING_MAX_MS, TheirTyping, TYPING_IDLE_MS, TypingSignal } from './typing.js';
export {
  AttachmentFiles,
  DEFAULT_MAX_FILE_BYTES,
  formatBytes,
  LinkExpiredError,
  MAX_FILES_PER_MESSAGE,
  type FileReader,
  type FileToSend,
  type FileTransport,
} from './uploads.js';
export type { Attachment, Call, CallConnection, Message, Page, PendingUpload, SenderType, Signal } from './wire.js';
export type { AppRouter } from '#server/router/index.js';
