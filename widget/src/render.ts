import type { ConversationState } from '../../client/src/conversation.js';
import type { OutboxItem } from '../../client/src/outbox.js';
import type { Message } from '../../client/src/wire.js';
import type { Connection, Row, View } from './view.js';

/** Rows of messages not stored yet are keyed by clientMessageId until the server's copy comes. */
const LOCAL = 'c:';

/** The clientMessageId of an outbox row's key (the View hands back keys), if it is one. */
export const clientMessageIdOf = (key: string) => (key.startsWith(LOCAL) ? key.slice(LOCAL.length) : undefined);
const ARCHIVED = 'This conversation was closed. New messages start a new one.';

/** A code the visitor can still use: digits (once used, the server shows a note instead). */
export const isCode = (m: Message) => m.messageType === 'auth_code' && /^\d{4,12}$/.test(m.message);

/**
 * Draws the core's state in the widget's View, touching only what changed: the store hands out
 * a new message object when a message changes, so identity tells what to redraw.
 */
export class Renderer {
  private last: ConversationState | null = null;
  private readonly shown = new Map<string, Message>();
  private oldestShown = Number.POSITIVE_INFINITY;
  private connection: string | null = null;
  /** The note over the rows left above at the next change of conversation (default: it was closed). */
  nextNote: string | null = null;

  constructor(
    private readonly view: View,
    private readonly isMine: (message: Message) => boolean,
  ) {}

  /** `refused`: the server turned the connection down for good (the core only knows it is not up). */
  render(state: ConversationState, refused: string | null = null): void {
    const last = this.last;
    this.last = state;
    if (last?.conversationId && state.conversationId !== last.conversationId) {
      this.view.archive(this.nextNote ?? ARCHIVED);
      this.nextNote = null;
      this.shown.clear();
      this.oldestShown = Number.POSITIVE_INFINITY;
    }
    if (state.messages !== last?.messages) this.messages(state.messages);
    if (state.outbox !== last?.outbox) this.outbox(state.outbox, last?.outbox ?? []);
    if (state.historyLoaded && !last?.historyLoaded) this.view.scrollToBottom();
    if (state.theirTyping !== (last?.theirTyping ?? null)) {
      this.view.setTyping(state.theirTyping ? `${state.theirTyping === 'admin' ? 'Support' : 'Someone'} is typing…` : '');
    }
    if (state.error && state.error !== last?.error) this.view.showError(state.error);
    this.setConnection(refused ? 'offline' : state.connection === 'reconnecting' ? 'reconnecting' : 'online');
    this.view.setHasOlder(state.hasOlder);
    this.view.setBusy(state.loadingOlder || (state.connection === 'online' && !state.historyLoaded));
    this.view.setUnread(this.view.isOpen ? 0 : state.unread);
  }

  private messages(messages: readonly Message[]): void {
    const oldest = this.shown.size ? this.oldestShown : Number.NEGATIVE_INFINITY;
    const changed = messages.filter((m) => this.shown.get(m.id) !== m);
    // An older page goes in newest first, so prepending keeps the reader's place row by row.
    for (const m of changed.filter((m) => m.seq < oldest).reverse()) this.upsert(m, true);
    for (const m of changed.filter((m) => m.seq >= oldest)) this.upsert(m, false);
  }

  private upsert(m: Message, prepending: boolean): void {
    if (m.clientMessageId) this.view.rekey(LOCAL + m.clientMessageId, m.id);
    this.view.upsert(this.rowFor(m), prepending);
    this.shown.set(m.id, m);
    this.oldestShown = Math.min(this.oldestShown, m.seq);
  }

  private outbox(items: readonly OutboxItem[], before: readonly OutboxItem[]): void {
    for (const item of items) if (!before.includes(item)) this.view.upsert(outgoingRow(item));
    // Sent items were re-keyed to their message above; one that left without its message
    // arriving here (it was stored in a conversation no longer shown) must not linger.
    const left = before.filter((b) => !items.some((i) => i.clientMessageId === b.clientMessageId));
    for (const item of left) this.view.remove(LOCAL + item.clientMessageId);
  }

  private rowFor(m: Message): Row {
    const base: Pick<Row, 'key' | 'seq' | 'text' | 'time' | 'attachments'> = { key: m.id, seq: m.seq, text: m.message, time: m.createdAt };
    if (m.attachments?.length) base.attachments = m.attachments;
    if (isCode(m)) return { ...base, kind: 'code' };
    if (m.messageType === 'system' || m.messageType === 'auth_code' || m.senderType === 'system') return { ...base, kind: 'system' };
    if (this.isMine(m)) return { ...base, kind: 'me', status: m.isRead ? 'read' : 'sent' };
    const sender = m.senderType === 'admin' ? 'Support' : m.senderType === 'guest' ? 'Visitor' : 'Customer';
    return { ...base, kind: 'them', sender };
  }

  private setConnection(connection: Connection): void {
    if (connection === this.connection) return;
    this.connection = connection;
    this.view.setConnection(connection, connection === 'offline' ? 'Not connected' : undefined);
  }
}

function outgoingRow(item: OutboxItem): Row {
  const row: Row = { key: LOCAL + item.clientMessageId, seq: null, kind: 'me', text: item.text, time: item.createdAt };
  row.status = item.state === 'failed' ? 'failed' : 'pending';
  if (item.error) row.error = item.error;
  if (item.files.length) row.uploads = item.files;
  return row;
}
