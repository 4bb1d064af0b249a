import { io, type Socket } from 'socket.io-client';
import { ConversationEndedError, joined, type ConversationTransport, type Joined } from '../../client/src/transport.js';
import type { Call, Message, Page, Signal } from '../../client/src/wire.js';
import type { Api } from './api.js';
import type { Envelope, FieldError, Me } from './types.js';

const ACK_TIMEOUT = 15_000;
/** The server's answers that mean this conversation takes no more of this visitor. */
const ENDED = new Set(['Conversation is closed', 'Conversation not found']);

export interface TypingEvent {
  conversationId: string;
  senderId: string;
  senderType: Message['senderType'];
}

/** A signal from the other party of a call (`call:signal`). */
export interface CallSignalEvent {
  callId: string;
  conversationId: string;
  fromPeer: string;
  signal: Signal;
}

/** The server's refusal of an event, with its field errors when the input was invalid. */
export class RefusedError extends Error {
  constructor(
    message: string,
    readonly errors: readonly FieldError[] = [],
  ) {
    super(message);
  }
}

export interface ServerError {
  error?: string;
  event?: string;
  code?: string;
}

/** What the socket hears, for the widget to pass on (mostly to its ConversationSession). */
export interface SocketEvents {
  connected(): void;
  disconnected(): void;
  /** The server refused the connection (e.g. an invalid or expired token): retrying will not help. */
  refused(message: string): void;
  identity(identity: { type?: string; guestId?: string }): void;
  received(message: Message): void;
  read(messageId: string): void;
  typing(event: TypingEvent, isTyping: boolean): void;
  serverError(error: ServerError): void;
  callUpdated(call: Call): void;
  callSignal(event: CallSignalEvent): void;
}

/**
 * The widget's ConversationTransport: Socket.IO events for everything live, REST for history.
 * Nothing goes over the network until `open()`.
 */
export class SocketTransport implements ConversationTransport {
  private readonly socket: Socket;
  private closed = false;

  constructor(
    apiUrl: string,
    private readonly api: Api,
    private readonly me: () => Me,
    events: SocketEvents,
  ) {
    const url = new URL(apiUrl);
    const prefix = url.pathname.replace(/\/+$/, '');
    const socket = io(`${url.origin}/support`, {
      path: `${prefix}/socket.io`,
      // Read on every (re)connect, so a renewed guest id is the one sent.
      auth: (cb) => {
        const who = this.me();
        cb(who.type === 'guest' ? { guestId: who.id } : { token: who.token });
      },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      timeout: 10_000,
      autoConnect: false,
    });
    this.socket = socket;
    socket.on('connect', () => events.connected());
    socket.on('disconnect', (reason) => {
      events.disconnected();
      // The server hung up on us (a restart, a drain): Socket.IO does not come back by itself then.
      if (reason === 'io server disconnect') setTimeout(() => this.closed || socket.connect(), 1_000);
    });
    socket.on('connect_error', (error: Error) => {
      if (socket.active) events.disconnected();
      else events.refused(error.message || 'The support server refused the connection.');
    });
    socket.on('connection:success', (identity: { type?: string; guestId?: string }) => events.identity(identity ?? {}));
    socket.on('message:received', (message: Message) => message && typeof message === 'object' && events.received(message));
    socket.on('message:read', (payload: { messageId?: unknown }) => typeof payload?.messageId === 'string' && events.read(payload.messageId));
    socket.on('typing:start', (event: TypingEvent) => event && events.typing(event, true));
    socket.on('typing:stop', (event: TypingEvent) => event && events.typing(event, false));
    socket.on('message:error', (error: ServerError) => events.serverError(error ?? {}));
    socket.on('call:updated', (payload: { call?: Call }) => payload?.call && typeof payload.call === 'object' && events.callUpdated(payload.call));
    socket.on('call:signal', (event: CallSignalEvent) => event?.signal && events.callSignal(event));
  }

  open(): void {
    if (!this.closed) this.socket.connect();
  }

  close(): void {
    this.closed = true;
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }

  async join(conversationId: string, afterSeq?: number): Promise<Joined> {
    return joined(await this.ack('conversation:join', afterSeq === undefined ? { conversationId } : { conversationId, afterSeq }));
  }

  history(conversationId: string, page: { limit: number; before?: number }): Promise<Page> {
    return this.api.history(this.me(), conversationId, page.limit, page.before);
  }

  sync(conversationId: string, afterSeq: number, limit: number): Promise<Page> {
    return this.ack('conversation:sync', { conversationId, afterSeq, limit });
  }

  /** A text message, or a file message with its caption and checked attachments. */
  send(input: Parameters<ConversationTransport['send']>[0]): Promise<Message> {
    const { conversationId, message, clientMessageId, messageType, attachmentIds } = input;
    return this.ack('message:send', messageType === 'file' ? { conversationId, message, clientMessageId, messageType, attachmentIds } : { conversationId, message, clientMessageId });
  }

  async markRead(messageId: string): Promise<void> {
    await this.ack('message:read', { messageId });
  }

  async typing(conversationId: string, isTyping: boolean): Promise<void> {
    this.socket.emit(isTyping ? 'typing:start' : 'typing:stop', { conversationId });
  }

  /** An event with an acknowledgement, read through the REST envelope (the calls' transport shares it). */
  ack<T>(event: string, payload: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      this.socket.timeout(ACK_TIMEOUT).emit(event, payload, (err: Error | null, res: Envelope<T>) => {
        if (err) reject(new Error('The server did not answer. Check your connection and retry.'));
        else if (!res || typeof res !== 'object' || typeof res.success !== 'boolean') reject(new Error('Unexpected answer from the server'));
        else if (res.success) resolve(res.data);
        else reject(ENDED.has(res.message) ? new ConversationEndedError(res.message) : new RefusedError(res.message, res.errors));
      });
    });
  }
}
