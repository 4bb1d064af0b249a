import { io, type Socket } from 'socket.io-client';
import { randomId } from '../../client/src/ids.js';
import { Api, ApiError } from './api.js';
import { storage } from './storage.js';
import type { Envelope, Me, Message, Page } from './types.js';
import { View, type Row } from './view.js';

export interface ChatOptions {
  apiUrl: string;
  token?: string | undefined;
  type: string;
  title: string;
  open: boolean;
}

interface Outgoing {
  clientMessageId: string;
  text: string;
  createdAt: string;
  state: 'pending' | 'failed';
  error?: string;
  /** Bumped on every try, so a late answer to an abandoned try is ignored. */
  attempt: number;
  inFlight: boolean;
  /** Already moved once to a new conversation after the old one was closed. */
  reopened?: boolean;
}

const PAGE = 30;
const ACK_TIMEOUT = 15_000;
const TYPING_IDLE = 3_000;
const THEIR_TYPING_MAX = 10_000;
const LOCAL = 'c:';

/**
 * One conversation: who we are, its messages (by id and by seq), the outbox, and the socket.
 * Every message is keyed by id; `syncedSeq` is the highest seq up to which nothing is missing,
 * so a reconnect (or a gap in live delivery) syncs from there and nothing shows twice.
 */
export class Chat {
  private readonly api: Api;
  private readonly view: View;
  private readonly guestKey: string;
  private me: Me | null = null;
  private conversationId: string | null = null;
  private socket: Socket | null = null;
  private starting: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private byId = new Map<string, Message>();
  private seqs = new Set<number>();
  private readonly outbox = new Map<string, Outgoing>();
  private readonly readAsked = new Set<string>();
  private syncedSeq = 0;
  private oldestSeq = Number.POSITIVE_INFINITY;
  private historyLoaded = false;
  private hasOlder = false;
  private loadingOlder = false;
  private syncing: Promise<void> | null = null;
  private syncAgain = false;
  /** Joined and caught up on the current connection: sends go out directly. */
  private ready = false;
  private connectionGeneration = 0;
  private reopening = false;

  private typingSent = false;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;
  private theirTypingTimer: ReturnType<typeof setTimeout> | undefined;
  private destroyed = false;

  constructor(private readonly options: ChatOptions) {
    this.api = new Api(options.apiUrl);
    this.guestKey = `supportWidget.guestId@${options.apiUrl}`;
    this.view = new View(options.title, {
      toggle: () => (this.view.isOpen ? this.close() : this.open()),
      close: () => this.close(),
      send: (text) => this.send(text),
      retry: (key) => this.retry(key),
      typing: (text) => this.onInput(text),
      older: () => void this.loadOlder(),
    });
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  mount(): void {
    this.view.mount();
    // A returning guest or a signed-in user connects at once (unread badge, live codes);
    // a first-time visitor creates nothing on the server until they open the chat.
    if (this.options.token || storage.get(this.guestKey)) void this.start();
    if (this.options.open) this.open();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.typingTimer);
    clearTimeout(this.theirTypingTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.view.destroy();
  }

  open(): void {
    this.view.open();
    void this.start();
    this.markRead();
  }

  close(): void {
    this.stopTyping();
    this.view.close();
    this.updateUnread();
  }

  toggle(): void {
    if (this.view.isOpen) this.close();
    else this.open();
  }

  // ---- starting: identity and conversation over REST, then the socket ----

  private start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.resolveConversation()
        .then(() => this.connect())
        .catch((error: unknown) => {
          this.starting = null;
          if (this.destroyed) return;
          this.view.showError(errorText(error));
          const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
          // Server or network trouble: try again while the visitor has the chat open.
          if (!refused) {
            clearTimeout(this.retryTimer);
            this.retryTimer = setTimeout(() => {
              if (this.view.isOpen || this.outbox.size > 0) void this.start();
            }, 5_000);
          }
        });
    }
    return this.starting;
  }

  private async resolveConversation(): Promise<void> {
    const { token, type } = this.options;
    if (token) {
      const me: Me = { type: 'user', id: null, token };
      const conversation = await this.api.startAsUser(me, type);
      me.id = conversation.userId;
      this.me = me;
      this.conversationId = conversation.id;
    } else {
      const started = await this.api.startAsGuest(storage.get(this.guestKey), type);
      storage.set(this.guestKey, started.guestId);
      this.me = { type: 'guest', id: started.guestId };
      this.conversationId = started.conversation.id;
    }
  }

  private connect(): void {
    if (this.socket || this.destroyed) return;
    const url = new URL(this.options.apiUrl);
    const prefix = url.pathname.replace(/\/+$/, '');
    const socket = io(`${url.origin}/support`, {
      path: `${prefix}/socket.io`,
      // Read on every (re)connect, so a renewed guest id is the one sent.
      auth: (cb) => cb(this.me?.type === 'guest' ? { guestId: this.me.id } : { token: this.me && 'token' in this.me ? this.me.token : '' }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5_000,
      timeout: 10_000,
    });
    this.socket = socket;

    socket.on('connect', () => void this.onConnect());
    socket.on('disconnect', (reason) => {
      this.connectionGeneration++;
      this.ready = false;
      this.view.setConnection('reconnecting');
      this.showTheirTyping(false);
      // Anything in flight is sent again after the reconnect; clientMessageId makes that safe.
      for (const o of this.outbox.values()) {
        if (o.inFlight) {
          o.inFlight = false;
          o.attempt++;
          o.state = 'pending';
          this.renderOutgoing(o);
        }
      }
      if (reason === 'io server disconnect') setTimeout(() => this.socket === socket && socket.connect(), 1_000);
    });
    socket.on('connect_error', (error: Error) => {
      if (socket.active) {
        this.view.setConnection('reconnecting');
      } else {
        // The server refused us (e.g. an invalid or expired token): retrying will not help.
        this.view.setConnection('offline', 'Not connected');
        this.view.showError(error.message || 'The support server refused the connection.');
      }
    });
    socket.on('connection:success', (identity: { type?: string; guestId?: string }) => {
      const me = this.me;
      if (me?.type === 'guest' && identity.guestId && identity.guestId !== me.id) storage.set(this.guestKey, identity.guestId);
      // A token may belong to an admin trying the widget: their own messages are then 'admin'.
      if (me && me.type !== 'guest' && (identity.type === 'admin' || identity.type === 'user')) me.type = identity.type;
    });
    socket.on('message:received', (message: Message) => this.onMessage(message));
    socket.on('message:read', (payload: { messageId?: string }) => this.onRead(payload?.messageId));
    socket.on('typing:start', (p: TypingEvent) => this.onTheirTyping(p, true));
    socket.on('typing:stop', (p: TypingEvent) => this.onTheirTyping(p, false));
    socket.on('message:error', (e: { error?: string; event?: string; code?: string }) => this.onServerError(e));
  }

  /** Every (re)connect: join first, then catch up, so nothing falls between the two. */
  private async onConnect(): Promise<void> {
    const generation = ++this.connectionGeneration;
    const conversationId = this.conversationId;
    if (!conversationId) return;
    this.view.setConnection('online');
    let problem: string | undefined;
    const joined = await this.ack<{ lastSeq: number }>('conversation:join', { conversationId });
    if (generation !== this.connectionGeneration) return;
    if (!joined.success) {
      // Not ours (any more): ask the server for the visitor's conversation again.
      if (joined.message === 'Conversation not found' && !this.reopening) {
        void this.reopen();
        return;
      }
      problem = joined.message;
    } else {
      try {
        if (!this.historyLoaded) await this.loadNewest();
        await this.sync();
      } catch (error) {
        problem = errorText(error);
      }
    }
    if (generation !== this.connectionGeneration) return;
    if (problem) {
      this.view.showError(problem);
      setTimeout(() => {
        if (generation === this.connectionGeneration && this.socket?.connected) void this.onConnect();
      }, 3_000);
      return;
    }
    this.ready = true;
    this.pump();
    this.markRead();
  }

  // ---- history ----

  private async loadNewest(): Promise<void> {
    const page = await this.fetchPage();
    this.historyLoaded = true;
    let newest = 0;
    for (const m of page.messages) newest = Math.max(newest, m.seq);
    this.syncedSeq = Math.max(this.syncedSeq, newest);
    this.addPage(page, false);
    this.advance();
    this.view.scrollToBottom();
    this.updateUnread();
  }

  private async loadOlder(): Promise<void> {
    if (!this.hasOlder || this.loadingOlder || !this.historyLoaded) return;
    this.loadingOlder = true;
    try {
      const page = await this.fetchPage(this.oldestSeq);
      this.addPage(page, true);
      this.markRead();
      this.updateUnread();
    } catch (error) {
      this.view.showError(errorText(error));
    } finally {
      this.loadingOlder = false;
    }
    // A short page may not fill the log, and then no scroll can ask for more.
    if (this.hasOlder && this.view.underfilled) void this.loadOlder();
  }

  private async fetchPage(before?: number): Promise<Page> {
    const me = this.me;
    const conversationId = this.conversationId;
    if (!me || !conversationId) throw new Error('Not started');
    this.view.setBusy(true);
    try {
      return await this.api.history(me, conversationId, PAGE, before);
    } finally {
      this.view.setBusy(false);
    }
  }

  private addPage(page: Page, older: boolean): void {
    // Newest first, so prepending keeps the reader's place one message at a time.
    const messages = older ? [...page.messages].reverse() : page.messages;
    for (const m of messages) this.add(m, older);
    this.hasOlder = page.pagination.hasMore && page.messages.length > 0;
    this.view.setHasOlder(this.hasOlder);
  }

  /** Everything after `syncedSeq`, page by page, through the socket. One run at a time. */
  private sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        for (let more = true; more && this.socket?.connected; ) {
          const afterSeq = this.syncedSeq;
          const res = await this.ack<Page>('conversation:sync', { conversationId: this.conversationId, afterSeq, limit: 100 });
          if (!res.success) throw new Error(res.message);
          for (const m of res.data.messages) this.add(m, false);
          this.advance();
          more = res.data.pagination.hasMore && this.syncedSeq > afterSeq;
        }
      } while (this.syncAgain && this.socket?.connected);
    })().finally(() => {
      this.syncing = null;
      this.updateUnread();
    });
    return this.syncing;
  }

  private advance(): void {
    while (this.seqs.has(this.syncedSeq + 1)) this.syncedSeq++;
  }

  // ---- messages ----

  /** Stores and shows a message once; answers whether it was new. */
  private add(m: Message, prepending: boolean): boolean {
    if (!m || typeof m.id !== 'string' || m.conversationId !== this.conversationId) return false;
    const known = this.byId.get(m.id);
    if (known) {
      // The first copy wins (a live auth code keeps its digits); only the read flag moves.
      if (m.isRead && !known.isRead) {
        known.isRead = true;
        this.render(known, false);
      }
      return false;
    }
    this.byId.set(m.id, m);
    this.seqs.add(m.seq);
    if (m.seq < this.oldestSeq) this.oldestSeq = m.seq;
    if (m.clientMessageId && this.outbox.has(m.clientMessageId)) {
      this.outbox.delete(m.clientMessageId);
      this.view.rekey(LOCAL + m.clientMessageId, m.id);
    }
    this.render(m, prepending);
    return true;
  }

  private onMessage(m: Message): void {
    if (!m || typeof m !== 'object') return;
    if (m.conversationId !== this.conversationId) {
      // A code made for another of our conversations still reaches the visitor.
      if (m.messageType === 'auth_code' && /^\d{4,12}$/.test(m.message)) {
        this.view.upsert({ key: `x:${m.id}`, seq: null, kind: 'code', text: m.message, time: m.createdAt });
      }
      return;
    }
    if (!this.add(m, false)) return;
    if (!this.isMine(m)) this.showTheirTyping(false);
    if (this.historyLoaded) {
      if (m.seq === this.syncedSeq + 1) this.advance();
      else if (m.seq > this.syncedSeq + 1 && this.ready) void this.sync().catch(() => undefined);
    }
    this.markRead();
    this.updateUnread();
  }

  private onRead(messageId: string | undefined): void {
    const m = messageId ? this.byId.get(messageId) : undefined;
    if (!m || m.isRead) return;
    m.isRead = true;
    this.render(m, false);
    this.updateUnread();
  }

  private isMine(m: Message): boolean {
    const me = this.me;
    if (!me) return false;
    if (m.clientMessageId && this.outbox.has(m.clientMessageId)) return true;
    return me.type === 'guest' ? m.senderType === 'guest' && m.guestId === me.id : m.senderType === me.type && m.senderId === me.id;
  }

  private render(m: Message, prepending: boolean): void {
    this.view.upsert(this.rowFor(m), prepending);
  }

  private rowFor(m: Message): Row {
    const base = { key: m.id, seq: m.seq, text: m.message, time: m.createdAt };
    if (m.messageType === 'auth_code' && /^\d{4,12}$/.test(m.message)) return { ...base, kind: 'code' };
    if (m.messageType === 'system' || m.messageType === 'auth_code' || m.senderType === 'system') return { ...base, kind: 'system' };
    if (this.isMine(m)) return { ...base, kind: 'me', status: m.isRead ? 'read' : 'sent' };
    const sender = m.senderType === 'admin' ? 'Support' : m.senderType === 'guest' ? 'Visitor' : 'Customer';
    return { ...base, kind: 'them', sender };
  }

  /** Messages from the other side that nobody here has read yet. */
  private unreadMessages(): Message[] {
    const unread: Message[] = [];
    for (const m of this.byId.values()) {
      if (!m.isRead && !this.readAsked.has(m.id) && m.messageType !== 'system' && !this.isMine(m)) unread.push(m);
    }
    return unread;
  }

  private updateUnread(): void {
    this.view.setUnread(this.view.isOpen ? 0 : this.unreadMessages().length);
  }

  /** Read receipts: what the visitor can see (panel open, page visible) is marked read. */
  private markRead(): void {
    const socket = this.socket;
    if (!this.view.isOpen || document.visibilityState === 'hidden' || !socket?.connected) return;
    for (const m of this.unreadMessages()) {
      this.readAsked.add(m.id);
      socket.emit('message:read', { messageId: m.id }, (res: Envelope<unknown>) => {
        if (!res?.success) this.readAsked.delete(m.id);
      });
    }
    this.updateUnread();
  }

  private readonly onVisibility = (): void => this.markRead();

  // ---- sending ----

  private send(raw: string): boolean {
    const text = raw.trim();
    if (!text) return false;
    if (text.length > 5_000) {
      this.view.showError('A message can be at most 5,000 characters long.');
      return false;
    }
    this.stopTyping();
    const o: Outgoing = { clientMessageId: randomId(), text, createdAt: new Date().toISOString(), state: 'pending', attempt: 0, inFlight: false };
    this.outbox.set(o.clientMessageId, o);
    this.renderOutgoing(o);
    void this.start();
    this.pump();
    return true;
  }

  private retry(key: string): void {
    const o = key.startsWith(LOCAL) ? this.outbox.get(key.slice(LOCAL.length)) : undefined;
    if (!o) return;
    o.state = 'pending';
    o.error = undefined;
    this.renderOutgoing(o);
    void this.start();
    this.pump();
  }

  /**
   * Sends the outbox in the order it was written, one message in flight at a time, so the
   * server stores them (and gives them seqs) in that order.
   */
  private pump(): void {
    const socket = this.socket;
    // Not joined yet: messages wait as pending and go out when the connection is ready.
    if (!socket?.connected || !this.ready || !this.conversationId) return;
    let next: Outgoing | undefined;
    for (const o of this.outbox.values()) {
      if (o.inFlight) return;
      if (!next && o.state === 'pending') next = o;
    }
    if (!next) return;
    const o = next;
    const attempt = ++o.attempt;
    o.inFlight = true;
    const payload = { conversationId: this.conversationId, message: o.text, clientMessageId: o.clientMessageId };
    void this.ack<Message>('message:send', payload, ACK_TIMEOUT).then((res) => {
      if (o.attempt !== attempt) return; // abandoned at a disconnect; the reconnect sends it again
      o.inFlight = false;
      if (!this.outbox.has(o.clientMessageId)) {
        this.pump(); // its message:received got here first
        return;
      }
      if (res.success) {
        this.onMessage(res.data);
        // Stored, even if its copy went missing: it must leave the outbox either way.
        if (this.outbox.delete(o.clientMessageId)) this.view.rekey(LOCAL + o.clientMessageId, res.data.id);
      } else if (res.timedOut && !this.socket?.connected) {
        return; // sent again after the reconnect
      } else if (res.message === 'Conversation is closed' && !o.reopened) {
        // The agent closed it: the message goes into a new conversation instead.
        o.reopened = true;
        void this.reopen();
        return;
      } else {
        o.state = 'failed';
        o.error = res.message;
        this.renderOutgoing(o);
      }
      this.pump();
    });
  }

  /** The conversation was closed: get (or create) the open one, and carry on there. */
  private async reopen(): Promise<void> {
    if (this.reopening) return;
    this.reopening = true;
    this.ready = false;
    this.connectionGeneration++;
    try {
      const previous = this.conversationId;
      await this.resolveConversation();
      if (this.conversationId !== previous) {
        this.byId = new Map();
        this.seqs = new Set();
        this.readAsked.clear();
        this.syncedSeq = 0;
        this.oldestSeq = Number.POSITIVE_INFINITY;
        this.historyLoaded = false;
        this.hasOlder = false;
        this.view.setHasOlder(false);
        this.view.archive('This conversation was closed. New messages start a new one.');
      }
      if (this.socket?.connected) await this.onConnect();
    } catch (error) {
      this.view.showError(errorText(error));
    } finally {
      this.reopening = false;
    }
  }

  private renderOutgoing(o: Outgoing): void {
    const key = LOCAL + o.clientMessageId;
    if (!this.outbox.has(o.clientMessageId)) return;
    const row: Row = { key, seq: null, kind: 'me', text: o.text, time: o.createdAt, status: o.state };
    if (o.error) row.error = o.error;
    this.view.upsert(row);
  }

  // ---- typing ----

  private onInput(text: string): void {
    if (!text.trim()) {
      this.stopTyping();
      return;
    }
    if (!this.typingSent && this.ready && this.socket?.connected) {
      this.typingSent = true;
      this.socket.emit('typing:start', { conversationId: this.conversationId });
    }
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE);
  }

  private stopTyping(): void {
    clearTimeout(this.typingTimer);
    if (!this.typingSent) return;
    this.typingSent = false;
    if (this.socket?.connected) this.socket.emit('typing:stop', { conversationId: this.conversationId });
  }

  private onTheirTyping(p: TypingEvent, typing: boolean): void {
    if (!p || p.conversationId !== this.conversationId) return;
    const me = this.me;
    if (me && p.senderType === me.type && p.senderId === me.id) return;
    this.showTheirTyping(typing, p.senderType === 'admin' ? 'Support' : 'Someone');
  }

  private showTheirTyping(typing: boolean, who = 'Support'): void {
    clearTimeout(this.theirTypingTimer);
    this.view.setTyping(typing ? `${who} is typing…` : '');
    if (typing) this.theirTypingTimer = setTimeout(() => this.view.setTyping(''), THEIR_TYPING_MAX);
  }

  // ---- errors ----

  private onServerError(e: { error?: string; event?: string; code?: string }): void {
    const event = e?.event ?? '';
    if (event.startsWith('typing:') || event === 'message:read') return;
    // A failed send is shown on the message itself; a rate limit is worth a banner too.
    if (event === 'message:send' && e.code !== 'RATE_LIMITED') return;
    if (typeof e?.error === 'string') this.view.showError(e.error);
  }

  private ack<T>(event: string, payload: unknown, timeout = ACK_TIMEOUT): Promise<Envelope<T> & { timedOut?: boolean }> {
    const socket = this.socket;
    if (!socket) return Promise.resolve({ success: false, message: 'Not connected', timedOut: true });
    return new Promise((resolve) => {
      socket.timeout(timeout).emit(event, payload, (err: Error | null, res: Envelope<T>) => {
        if (err) resolve({ success: false, message: 'The server did not answer. Check your connection and retry.', timedOut: true });
        else if (res && typeof res === 'object' && typeof res.success === 'boolean') resolve(res);
        else resolve({ success: false, message: 'Unexpected answer from the server' });
      });
    });
  }
}

interface TypingEvent {
  conversationId: string;
  senderId: string;
  senderType: string;
}

function errorText(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'Something went wrong. Please try again.';
}
