import { systemClock, Timeout, type Clock } from './clock.js';
import { MessageStore } from './message-store.js';
import { Outbox, type Attempt, type OutboxItem } from './outbox.js';
import { ReadReceipts } from './read-receipts.js';
import { TheirTyping, TypingSignal } from './typing.js';
import { ConversationEndedError, errorMessage, type ConversationTransport } from './transport.js';
import { DEFAULT_MAX_FILE_BYTES, formatBytes, MAX_FILES_PER_MESSAGE, type FileTransport } from './uploads.js';
import type { Message, SenderType } from './wire.js';

/** connecting: never connected yet; online: connected (see `ready`); reconnecting: lost, coming back. */
export type Connection = 'connecting' | 'online' | 'reconnecting';

export interface ConversationState {
  readonly conversationId: string | null;
  readonly connection: Connection;
  /** Joined and caught up on this connection: the outbox sends and read receipts go out. */
  readonly ready: boolean;
  /** Stored messages in seq order. */
  readonly messages: readonly Message[];
  /** Written here and not stored yet, in the order written. */
  readonly outbox: readonly OutboxItem[];
  readonly syncedSeq: number;
  readonly historyLoaded: boolean;
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  /** Who on the other side is typing, if anyone. */
  readonly theirTyping: SenderType | null;
  /** The other side's messages not read here yet. */
  readonly unread: number;
  /** Why the conversation takes no more messages (the server's words), or null. */
  readonly ended: string | null;
  /** The latest failure to join, catch up or load history (retried by itself while connected). */
  readonly error: string | null;
}

export type SendResult =
  | { ok: true; item: OutboxItem }
  | { ok: false; reason: 'empty' | 'too-long' | 'too-many-files' | 'no-files'; message: string }
  | { ok: false; reason: 'file-too-large'; message: string; file: string };

export interface SessionOptions {
  transport: ConversationTransport;
  /** Whether this side wrote a message (the visitor; the agents): the rest is theirs to read. */
  ours(message: Message): boolean;
  conversationId?: string | null;
  clock?: Clock;
  /** clientMessageIds; default: a random UUID. */
  newId?: () => string;
  pageSize?: number;
  /**
   * A message the server refused because the conversation ended: 'fail' it (default), or
   * 'hold' it as pending for `setConversation` to carry over to the next conversation (once).
   */
  whenEnded?: 'fail' | 'hold';
  /** Uploads for file messages; without it the session sends text only. */
  files?: FileTransport;
  /** The server's ATTACHMENT_MAX_BYTES, to refuse a file before any byte goes (default 10 MB). */
  maxFileBytes?: number;
}

export const MAX_MESSAGE_LENGTH = 5_000;
const SYNC_PAGE = 100;
const RETRY_JOIN_MS = 3_000;

/**
 * One conversation as a client sees it: the message store, the outbox, typing and read receipts
 * over a transport. The transport reports what it hears (`connected`, `received`, ...); views
 * render `getState()` and re-render on `subscribe`.
 */
export class ConversationSession {
  private readonly transport: ConversationTransport;
  private readonly ours: (message: Message) => boolean;
  private readonly options: Required<Pick<SessionOptions, 'pageSize' | 'whenEnded' | 'maxFileBytes'>>;
  private readonly files: FileTransport | undefined;
  /** Stops the uploads of the try in flight (a drop, a cancel). */
  private uploading: AbortController | null = null;
  private readonly outbox: Outbox;
  private readonly receipts: ReadReceipts;
  private readonly typing: TypingSignal;
  private readonly their: TheirTyping;
  private readonly retryJoin: Timeout;
  private readonly listeners = new Set<() => void>();
  private store: MessageStore | null = null;
  private connection: Connection = 'connecting';
  private ready = false;
  private visible = false;
  private loadingOlder = false;
  private ended: string | null = null;
  private error: string | null = null;
  /** Bumped at every (dis)connect and conversation change: a catch-up begun before it stops. */
  private generation = 0;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  private state: ConversationState | null = null;

  constructor(options: SessionOptions) {
    const clock = options.clock ?? systemClock;
    this.transport = options.transport;
    this.ours = options.ours;
    this.options = { pageSize: options.pageSize ?? 30, whenEnded: options.whenEnded ?? 'fail', maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES };
    this.files = options.files;
    this.outbox = new Outbox(options.newId, () => clock.now());
    this.receipts = new ReadReceipts(options.ours);
    const emitTyping = (on: boolean) => this.store && void this.transport.typing(this.store.conversationId, on).catch(ignore);
    this.typing = new TypingSignal(clock, emitTyping, () => this.ready);
    this.their = new TheirTyping(clock, () => this.changed());
    this.retryJoin = new Timeout(clock, RETRY_JOIN_MS, () => this.connection === 'online' && void this.catchUp(this.restart()));
    if (options.conversationId) this.store = new MessageStore(options.conversationId);
  }

  // ---- for views (useSyncExternalStore(session.subscribe, session.getState) works as is) ----

  readonly getState = (): ConversationState => (this.state ??= this.snapshot());

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  // ---- what the transport hears ----

  connected(): void {
    this.connection = 'online';
    this.changed();
    void this.catchUp(this.restart());
  }

  disconnected(): void {
    this.restart();
    this.ready = false;
    this.connection = 'reconnecting';
    this.retryJoin.stop();
    this.uploading?.abort();
    this.outbox.interrupt();
    this.their.set(null);
    this.changed();
  }

  received(message: Message): void {
    const store = this.store;
    const change = store?.add(message) ?? 'none';
    if (change === 'none') return;
    if (change === 'added') {
      this.confirmSent([message]);
      if (!this.ours(message)) this.their.set(null);
      if (store!.hasGap && this.ready) void this.sync().catch(ignore);
    }
    this.changed();
    this.markVisibleRead();
  }

  read(messageId: string): void {
    if (this.store?.markRead(messageId)) this.changed();
  }

  theirTyping(isTyping: boolean, who: SenderType): void {
    this.their.set(isTyping ? who : null);
  }

  // ---- what the user does ----

  /**
   * Text, or files with an optional caption. Files wait in the outbox like text: they upload
   * when the connection is ready, one after another, and the message goes once all are checked.
   */
  send(text: string, files: readonly Blob[] = []): SendResult {
    const message = text.trim();
    if (!message && files.length === 0) return { ok: false, reason: 'empty', message: 'Write a message first.' };
    if (message.length > MAX_MESSAGE_LENGTH) return { ok: false, reason: 'too-long', message: `Messages can be up to ${MAX_MESSAGE_LENGTH} characters.` };
    if (files.length > 0 && !this.files) return { ok: false, reason: 'no-files', message: 'Files cannot be sent here.' };
    if (files.length > MAX_FILES_PER_MESSAGE) return { ok: false, reason: 'too-many-files', message: `Send up to ${MAX_FILES_PER_MESSAGE} files at a time.` };
    const tooBig = files.find((f) => f.size > this.options.maxFileBytes) as (Blob & { name?: string }) | undefined;
    if (tooBig) {
      const name = tooBig.name ?? 'file';
      return { ok: false, reason: 'file-too-large', file: name, message: `${name} is larger than ${formatBytes(this.options.maxFileBytes)}.` };
    }
    this.typing.stop();
    const item = this.outbox.add(message, files);
    this.changed();
    this.pump();
    return { ok: true, item };
  }

  /** Takes back a message not stored yet: its uploads stop and the server forgets them. */
  cancel(clientMessageId: string): boolean {
    const item = this.outbox.get(clientMessageId);
    if (!item) return false;
    if (item.state === 'sending') this.uploading?.abort();
    this.outbox.remove(clientMessageId);
    for (const file of item.files) if (file.attachmentId) void this.files?.cancelUpload(file.attachmentId).catch(ignore);
    this.changed();
    this.pump();
    return true;
  }

  /** Sends a failed message again, with the same clientMessageId. */
  retry(clientMessageId: string): boolean {
    if (!this.outbox.retry(clientMessageId)) return false;
    this.changed();
    this.pump();
    return true;
  }

  /** The text in the compose box, at every change. */
  input(text: string): void {
    this.typing.input(text);
  }

  stopTyping(): void {
    this.typing.stop();
  }

  /** Whether the user can see the conversation now: what they can see is marked read. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.markVisibleRead();
  }

  async loadOlder(): Promise<void> {
    const store = this.store;
    if (!store?.historyLoaded || !store.hasOlder || this.loadingOlder) return;
    this.loadingOlder = true;
    this.changed();
    try {
      const page = await this.transport.history(store.conversationId, { limit: this.options.pageSize, before: store.oldestSeq });
      if (store === this.store) this.confirmSent(store.addOlder(page));
    } catch (error) {
      if (store === this.store) this.error = errorMessage(error);
    }
    if (store !== this.store) return;
    this.loadingOlder = false;
    this.changed();
    this.markVisibleRead();
  }

  /**
   * Goes on in the conversation that follows one that ended (the outbox carries over, the
   * messages start afresh), or tries the same one again. Another conversation on screen wants
   * its own session instead: an outbox belongs with the conversation it was written for.
   */
  setConversation(conversationId: string): void {
    const generation = this.restart();
    this.ready = false;
    this.ended = null;
    this.error = null;
    this.retryJoin.stop();
    if (conversationId !== this.store?.conversationId) {
      this.store = new MessageStore(conversationId);
      this.receipts.reset();
      this.loadingOlder = false;
      this.their.set(null);
    }
    this.changed();
    if (this.connection === 'online') void this.catchUp(generation);
  }

  dispose(): void {
    this.listeners.clear();
    this.restart();
    this.ready = false;
    this.typing.stop();
    this.retryJoin.stop();
    this.their.set(null);
  }

  // ---- inside ----

  /**
   * Every (re)connect: join first, then catch up, so nothing falls between the two. A reconnect
   * (history held) names its syncedSeq in the join, whose answer brings what it missed: one
   * round trip, and a sync only when that page was not all.
   */
  private async catchUp(generation: number): Promise<void> {
    const store = this.store;
    if (!store || this.ended !== null) return;
    try {
      const { lastSeq, missed } = store.historyLoaded
        ? await this.transport.join(store.conversationId, store.syncedSeq)
        : await this.transport.join(store.conversationId);
      if (generation !== this.generation) return;
      if (missed) {
        this.confirmSent(store.addSynced(missed));
        this.changed();
      }
      if (!store.historyLoaded) {
        const page = await this.transport.history(store.conversationId, { limit: this.options.pageSize });
        if (generation !== this.generation) return;
        this.confirmSent(store.addNewest(page));
      }
      const behind = missed ? missed.pagination.hasMore : lastSeq > store.syncedSeq;
      if (behind || store.hasGap) await this.sync();
    } catch (error) {
      if (generation !== this.generation) return;
      if (error instanceof ConversationEndedError) return this.end(error.message);
      this.error = errorMessage(error);
      this.changed();
      this.retryJoin.start();
      return;
    }
    if (generation !== this.generation) return;
    this.ready = true;
    this.error = null;
    this.changed();
    this.pump();
    this.markVisibleRead();
  }

  /**
   * A new connection or conversation: work begun for the old one stops at its next step (a
   * catch-up waiting on a dead connection must not hold up the new one).
   */
  private restart(): number {
    this.syncing = null;
    return ++this.generation;
  }

  /** Everything after `syncedSeq`, a page at a time; one run at a time, again if asked meanwhile. */
  private sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    const store = this.store!;
    const generation = this.generation;
    const going = () => generation === this.generation;
    const run = (async () => {
      do {
        this.syncAgain = false;
        for (let more = true; more && going(); ) {
          const from = store.syncedSeq;
          const page = await this.transport.sync(store.conversationId, from, SYNC_PAGE);
          if (!going()) return;
          this.confirmSent(store.addSynced(page));
          this.changed();
          more = page.pagination.hasMore && store.syncedSeq > from;
        }
      } while (this.syncAgain && going());
    })().finally(() => {
      if (this.syncing === run) this.syncing = null;
    });
    this.syncing = run;
    return run;
  }

  /** Stored messages that were ours in the outbox leave it (their answer may never come). */
  private confirmSent(added: readonly Message[]): void {
    let confirmed = false;
    for (const m of added) if (m.clientMessageId && this.outbox.remove(m.clientMessageId)) confirmed = true;
    if (confirmed) this.pump();
  }

  private pump(): void {
    if (this.ended !== null && this.options.whenEnded === 'fail') {
      if (this.outbox.failUnsent(this.ended)) this.changed();
      return;
    }
    const store = this.store;
    const item = this.ready && store ? this.outbox.next() : undefined;
    if (!store || !item) return;
    const attempt = this.outbox.begin(item.clientMessageId);
    this.changed();
    const sending =
      item.files.length === 0
        ? this.transport.send({ conversationId: store.conversationId, message: item.text, clientMessageId: item.clientMessageId })
        : this.uploadAndSend(store.conversationId, item, attempt);
    sending.then(
      (message) => {
        if (!this.outbox.isCurrent(attempt)) return;
        // Stored, even if its copy never arrives: it leaves the outbox either way.
        this.outbox.remove(item.clientMessageId);
        this.received(message);
        this.changed();
        this.pump();
      },
      (error: unknown) => {
        if (!this.outbox.isCurrent(attempt)) return;
        if (error instanceof ConversationEndedError) return this.end(error.message, attempt);
        this.outbox.fail(attempt, errorMessage(error));
        this.changed();
        this.pump();
      },
    );
  }

  /** A file message's try: each file not uploaded yet goes up and is checked, then the message. */
  private async uploadAndSend(conversationId: string, item: OutboxItem, attempt: Attempt): Promise<Message> {
    const files = this.files!;
    const abort = new AbortController();
    this.uploading = abort;
    try {
      const attachmentIds: string[] = [];
      for (const file of item.files) {
        let id = this.outbox.get(item.clientMessageId)?.files.find((f) => f.id === file.id)?.attachmentId ?? null;
        if (id === null) {
          const blob = this.outbox.blobOf(file.id)!;
          const pending = await files.createUpload({ conversationId, name: file.name, size: file.size, contentType: file.type });
          const report = (progress: number) => this.outbox.fileChanged(attempt, file.id, { progress }) && this.changed();
          try {
            await files.putBytes(pending.upload, blob, report, abort.signal);
            if (abort.signal.aborted) throw new Error('Upload stopped');
            id = (await files.completeUpload(pending.attachmentId)).id;
          } catch (error) {
            // Stopped half-way (a cancel, a drop): the server forgets the upload now, not in a day.
            if (abort.signal.aborted) void files.cancelUpload(pending.attachmentId).catch(ignore);
            throw error;
          }
          if (this.outbox.fileChanged(attempt, file.id, { progress: 1, attachmentId: id })) this.changed();
          else void files.cancelUpload(id).catch(ignore); // cancelled meanwhile
        }
        attachmentIds.push(id);
      }
      return await this.transport.send({ conversationId, message: item.text, clientMessageId: item.clientMessageId, messageType: 'file', attachmentIds });
    } finally {
      if (this.uploading === abort) this.uploading = null;
    }
  }

  private end(reason: string, refused?: Attempt): void {
    this.ended = reason;
    this.ready = false;
    if (refused && !(this.options.whenEnded === 'hold' && this.outbox.carryOver(refused))) this.outbox.fail(refused, reason);
    this.changed();
    this.pump();
  }

  private markVisibleRead(): void {
    const store = this.store;
    if (!this.visible || !this.ready || !store) return;
    const claimed = this.receipts.claim(store.messages);
    if (!claimed.length) return;
    for (const m of claimed) {
      this.transport.markRead(m.id).catch(() => {
        this.receipts.release(m.id);
        this.changed();
      });
    }
    this.changed();
  }

  private changed(): void {
    this.state = null;
    for (const listener of this.listeners) listener();
  }

  private snapshot(): ConversationState {
    const store = this.store;
    const messages = store?.messages ?? [];
    return Object.freeze({
      conversationId: store?.conversationId ?? null,
      connection: this.connection,
      ready: this.ready,
      messages,
      outbox: this.outbox.list,
      syncedSeq: store?.syncedSeq ?? 0,
      historyLoaded: store?.historyLoaded ?? false,
      hasOlder: store?.hasOlder ?? false,
      loadingOlder: this.loadingOlder,
      theirTyping: this.their.who,
      unread: this.receipts.unread(messages).length,
      ended: this.ended,
      error: this.error,
    });
  }
}

function ignore(): void {}
