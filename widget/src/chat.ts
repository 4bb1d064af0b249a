import { ConversationSession, MAX_MESSAGE_LENGTH } from '../../client/src/conversation.js';
import { errorMessage } from '../../client/src/transport.js';
import { AttachmentFiles } from '../../client/src/uploads.js';
import type { Message } from '../../client/src/wire.js';
import { Api, ApiError } from './api.js';
import { Calls } from './calls.js';
import { widgetFiles } from './files.js';
import { clientMessageIdOf, isCode, Renderer } from './render.js';
import { storage } from './storage.js';
import { SocketTransport, type ServerError, type TypingEvent } from './transport.js';
import type { Me } from './types.js';
import { View } from './view.js';

export interface ChatOptions {
  apiUrl: string;
  token?: string | undefined;
  type: string;
  title: string;
  open: boolean;
  /** The server's ATTACHMENT_MAX_BYTES when not the default: larger files are refused before upload. */
  maxFileBytes?: number | undefined;
  /** How long a guest waits for an agent's answer before being offered replies by email. */
  emailPromptAfterMs?: number | undefined;
}

/**
 * The widget: who the visitor is and which conversation is theirs (REST), a Socket.IO transport,
 * and the View. Messages, outbox, typing and read receipts are the shared client core's
 * (ConversationSession); this class only wires them together.
 */
export class Chat {
  private readonly api: Api;
  private readonly view: View;
  private readonly renderer: Renderer;
  private readonly session: ConversationSession;
  private readonly guestKey: string;
  private readonly transport: SocketTransport;
  private readonly files: AttachmentFiles;
  private readonly calls: Calls;
  private me: Me | null = null;
  private starting: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refused: string | null = null;
  private wasLoadingOlder = false;
  /** The conversation the visitor was last moved away from, so one that keeps ending is left alone. */
  private movedFrom: string | null = null;
  private destroyed = false;
  /** Set once a guest's email prompt is scheduled (or no longer due): it is offered once. */
  private emailTimer: ReturnType<typeof setTimeout> | null | undefined;
  private agentsOnline: boolean | undefined;
  private readonly emailKey: string;

  constructor(private readonly options: ChatOptions) {
    this.api = new Api(options.apiUrl);
    this.guestKey = `supportWidget.guestId@${options.apiUrl}`;
    this.emailKey = `supportWidget.emailAsked@${options.apiUrl}`;
    this.view = new View(options.title, {
      toggle: () => this.toggle(),
      close: () => this.close(),
      send: (text, files) => this.send(text, files),
      retry: (key) => this.retry(key),
      cancel: (key) => this.cancel(key),
      fileUrl: (attachment, variant) => this.files.url(attachment, variant),
      typing: (text) => this.session.input(text),
      older: () => void this.session.loadOlder(),
      saveEmail: (email) => this.saveEmail(email),
      skipEmail: () => storage.set(this.emailKey, 'skipped'),
    });
    const isMine = (m: Message) => this.isMine(m);
    this.renderer = new Renderer(this.view, isMine);
    // Used only once connected, that is after the conversation (and so `me`) is known.
    this.transport = new SocketTransport(options.apiUrl, this.api, () => this.me!, {
      connected: () => {
        this.refused = null;
        this.session.connected();
        void this.calls.connected();
      },
      disconnected: () => this.session.disconnected(),
      refused: (message) => {
        this.refused = message;
        this.render();
        this.view.showError(message);
      },
      identity: (identity) => this.onIdentity(identity),
      received: (message) => this.onMessage(message),
      read: (messageId) => this.session.read(messageId),
      typing: (event, isTyping) => this.onTyping(event, isTyping),
      serverError: (error) => this.onServerError(error),
      callUpdated: (call) => this.calls.updated(call),
      callSignal: (event) => this.calls.signalled(event),
    });
    const files = widgetFiles(options.apiUrl, this.api, () => this.me!);
    this.files = new AttachmentFiles(files.reader);
    // A message refused because the agent closed the conversation goes on in the visitor's next one.
    this.session = new ConversationSession({ transport: this.transport, ours: isMine, whenEnded: 'hold', files: files.transport, maxFileBytes: options.maxFileBytes });
    this.session.subscribe(() => this.onState());
    this.calls = new Calls(this.transport, this.view, {
      start: () => this.start(),
      open: () => this.open(),
      isOpen: () => this.view.isOpen,
      show: (conversationId) => this.show(conversationId, 'Your call and its updates continue below.'),
      activeCalls: () => this.api.activeCalls(this.me!),
      callsOf: (conversationId) => this.api.conversationCalls(this.me!, conversationId),
    });
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  mount(): void {
    this.view.mount();
    this.render();
    // A returning guest or a signed-in user connects at once (unread badge, live codes);
    // a first-time visitor creates nothing on the server until they open the chat.
    if (this.options.token || storage.get(this.guestKey)) void this.start();
    if (this.options.open) this.open();
  }

  destroy(): void {
    this.destroyed = true;
    clearTimeout(this.retryTimer);
    if (this.emailTimer) clearTimeout(this.emailTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.session.dispose();
    this.calls.dispose();
    this.files.dispose();
    this.transport.close();
    this.view.destroy();
  }

  open(): void {
    this.view.open();
    void this.start();
    this.onVisibility();
    void this.showAvailability();
  }

  /** Presence for the header, asked each time the panel opens (a failure keeps the default line). */
  private async showAvailability(): Promise<void> {
    try {
      const { agentsOnline } = await this.api.presence();
      this.agentsOnline = agentsOnline;
      if (!this.destroyed) this.view.setAvailability(agentsOnline);
    } catch {
      // Presence is a courtesy: the chat works without it.
    }
  }

  close(): void {
    this.session.stopTyping();
    this.view.close();
    this.onVisibility();
    this.render();
  }

  toggle(): void {
    if (this.view.isOpen) this.close();
    else this.open();
  }

  private send(text: string, files: File[] = []): boolean {
    const result = this.session.send(text, files);
    if (!result.ok && result.reason === 'too-long') {
      this.view.showError(`A message can be at most ${MAX_MESSAGE_LENGTH.toLocaleString('en')} characters long.`);
    } else if (!result.ok && result.reason !== 'empty') {
      // Too large, too many: said by the input at once, before any byte goes.
      this.view.showNotice(result.message);
    }
    if (result.ok) {
      void this.start();
      this.offerEmailLater();
    }
    return result.ok;
  }

  /**
   * A guest who may leave before the answer is offered replies by email, once: at once when no
   * agent is online, else when none has answered within the wait. Signed-in users have the
   * email of their account.
   */
  private offerEmailLater(): void {
    if (this.options.token || this.emailTimer !== undefined || storage.get(this.emailKey)) return;
    const offer = () => {
      if (!this.destroyed && !storage.get(this.emailKey)) this.view.emailPrompt.show();
    };
    if (this.agentsOnline === false) {
      this.emailTimer = null;
      offer();
    } else {
      this.emailTimer = setTimeout(offer, this.options.emailPromptAfterMs ?? 60_000);
    }
  }

  private async saveEmail(email: string): Promise<string | undefined> {
    try {
      await this.start();
      await this.api.saveEmail(this.me!, email);
      storage.set(this.emailKey, 'saved');
      return undefined;
    } catch (error) {
      return errorMessage(error);
    }
  }

  private retry(key: string): void {
    const clientMessageId = clientMessageIdOf(key);
    if (clientMessageId && this.session.retry(clientMessageId)) void this.start();
  }

  private cancel(key: string): void {
    const clientMessageId = clientMessageIdOf(key);
    if (clientMessageId) this.session.cancel(clientMessageId);
  }

  // ---- identity and conversation over REST, then the socket ----

  private start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.resolveConversation()
        .then((conversationId) => {
          if (this.destroyed) return;
          if (this.session.getState().conversationId !== conversationId) this.session.setConversation(conversationId);
          this.transport.open();
        })
        .catch((error: unknown) => {
          this.starting = null;
          if (this.destroyed) return;
          this.view.showError(errorMessage(error));
          const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
          // Server or network trouble: try again while the visitor has the chat open.
          if (!refused) {
            clearTimeout(this.retryTimer);
            this.retryTimer = setTimeout(() => {
              if (this.view.isOpen || this.session.getState().outbox.length > 0) void this.start();
            }, 5_000);
          }
        });
    }
    return this.starting;
  }

  /**
   * Get-or-create the visitor's open conversation (the server may issue a fresh guest id); but a
   * visitor with a call waiting or going sees that call's conversation (other than `avoid`).
   */
  private async resolveConversation(avoid?: string): Promise<string> {
    const { token, type } = this.options;
    if (token) {
      const me: Me = { type: 'user', id: null, token };
      const conversation = await this.api.startAsUser(me, type);
      me.id = conversation.userId;
      this.me = me;
      return (await this.calls.liveConversation(avoid)) ?? conversation.id;
    }
    const known = storage.get(this.guestKey);
    const started = await this.api.startAsGuest(known, type);
    storage.set(this.guestKey, started.guestId);
    this.me = { type: 'guest', id: started.guestId };
    // A new guest has no calls.
    return (started.guestId === known && (await this.calls.liveConversation(avoid))) || started.conversation.id;
  }

  /** Another of the visitor's conversations (open), its rows below the current one's under `note`. */
  private show(conversationId: string, note: string): void {
    if (this.destroyed || this.session.getState().conversationId === conversationId) return;
    this.renderer.nextNote = note;
    this.session.setConversation(conversationId);
  }

  /** The conversation ended (the agent closed it): ask the server for the visitor's open one. */
  private async moveOn(ended: string): Promise<void> {
    if (this.movedFrom === ended) return;
    this.movedFrom = ended;
    try {
      const next = await this.resolveConversation(ended);
      if (!this.destroyed) this.session.setConversation(next);
    } catch (error) {
      this.view.showError(errorMessage(error));
    }
  }

  // ---- what the socket hears that is the widget's own business ----

  private onIdentity(identity: { type?: string; guestId?: string }): void {
    const me = this.me;
    if (me?.type === 'guest' && identity.guestId && identity.guestId !== me.id) storage.set(this.guestKey, identity.guestId);
    // A token may belong to an admin trying the widget: their own messages are then 'admin'.
    if (me && me.type !== 'guest' && (identity.type === 'admin' || identity.type === 'user')) me.type = identity.type;
  }

  private onMessage(message: Message): void {
    const conversationId = this.session.getState().conversationId;
    // An agent answered in time: no need to offer email.
    if (message.senderType === 'admin' && this.emailTimer) {
      clearTimeout(this.emailTimer);
      this.emailTimer = null;
    }
    // A code made for another of the visitor's conversations still reaches them.
    if (message.conversationId !== conversationId && isCode(message)) {
      this.view.upsert({ key: `x:${message.id}`, seq: null, kind: 'code', text: message.message, time: message.createdAt });
    }
    this.session.received(message);
  }

  private onTyping(event: TypingEvent, isTyping: boolean): void {
    const me = this.me;
    if (event.conversationId !== this.session.getState().conversationId) return;
    if (me && event.senderType === me.type && event.senderId === me.id) return;
    this.session.theirTyping(isTyping, event.senderType);
  }

  private onServerError(e: ServerError): void {
    const event = e.event ?? '';
    // Calls say their own failures where they happen.
    if (event.startsWith('typing:') || event.startsWith('call:') || event === 'message:read') return;
    // A failed send is shown on the message itself; a rate limit is worth a banner too.
    if (event === 'message:send' && e.code !== 'RATE_LIMITED') return;
    if (typeof e.error === 'string') this.view.showError(e.error);
  }

  private onState(): void {
    const state = this.session.getState();
    const wasLoadingOlder = this.wasLoadingOlder;
    this.wasLoadingOlder = state.loadingOlder;
    this.render();
    if (state.ended && state.conversationId) void this.moveOn(state.conversationId);
    // A short page may not fill the log, and then no scroll can ask for more.
    if (wasLoadingOlder && !state.loadingOlder && state.hasOlder && this.view.underfilled) void this.session.loadOlder();
  }

  private render(): void {
    this.renderer.render(this.session.getState(), this.refused);
  }

  private isMine(m: Message): boolean {
    const me = this.me;
    if (!me) return false;
    return me.type === 'guest' ? m.senderType === 'guest' && m.guestId === me.id : m.senderType === me.type && m.senderId === me.id;
  }

  /** Read receipts go out for what the visitor can see: the panel open, the page visible. */
  private readonly onVisibility = (): void => this.session.setVisible(this.view.isOpen && document.visibilityState !== 'hidden');
}
