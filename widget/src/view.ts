import type { OutboxFile } from '../../client/src/outbox.js';
import type { Attachment } from '../../client/src/wire.js';
import { AttachmentsView, type FileEvents } from './attachments-view.js';
import { h, icon, ICONS, setText } from './dom.js';
import { EmailPromptView, type EmailPromptEvents } from './email-prompt-view.js';
import { CSS } from './styles.js';

/** One line in the message list, as the controller describes it. */
export interface Row {
  key: string;
  /** Stored messages are ordered by seq; `null` (not stored yet) sorts after all of them. */
  seq: number | null;
  kind: 'me' | 'them' | 'system' | 'code';
  text: string;
  time: string;
  sender?: string;
  status?: 'pending' | 'sent' | 'read' | 'failed';
  error?: string;
  /** A file message not stored yet: its files as they upload. */
  uploads?: readonly OutboxFile[];
  /** A stored file message's files. */
  attachments?: readonly Attachment[];
}

export interface ViewEvents {
  toggle(): void;
  close(): void;
  /** Returns true when the text (and files: a file message, the text its caption) was taken; the input is then cleared. */
  send(text: string, files?: File[]): boolean;
  cancel: FileEvents['cancel'];
  fileUrl: FileEvents['fileUrl'];
  retry(key: string): void;
  typing(text: string): void;
  older(): void;
  saveEmail: EmailPromptEvents['save'];
  skipEmail: EmailPromptEvents['skip'];
}

export type Connection = 'online' | 'reconnecting' | 'offline';

const STATUS_TEXT = { pending: 'Sending…', sent: 'Sent', read: 'Read', failed: 'Not sent' } as const;
let nextId = 0;

/** The widget's DOM inside an open shadow root. Text only ever goes in through text nodes. */
export class View {
  readonly host: HTMLElement;
  readonly root: ShadowRoot;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly chatIcon: SVGSVGElement;
  private readonly closeIcon: SVGSVGElement;
  private readonly panel: HTMLElement;
  private readonly log: HTMLDivElement;
  private readonly list: HTMLDivElement;
  private readonly olderButton: HTMLButtonElement;
  private readonly empty: HTMLParagraphElement;
  private readonly typingLine: HTMLParagraphElement;
  private readonly input: HTMLTextAreaElement;
  private readonly connection: HTMLParagraphElement;
  private readonly availability: HTMLParagraphElement;
  private readonly alert: HTMLDivElement;
  private readonly alertText: HTMLSpanElement;
  /** Why picked files were not taken (too large, too many), by the input. */
  private readonly notice: HTMLParagraphElement;
  private readonly files: AttachmentsView;
  /** Asks a guest for an email once (Chat decides when). */
  readonly emailPrompt: EmailPromptView;
  private readonly head: HTMLDivElement;
  private readonly rows = new Map<string, HTMLElement>();
  private alertTimer: ReturnType<typeof setTimeout> | undefined;
  private unread = 0;
  private opened = false;

  constructor(title: string, private readonly events: ViewEvents) {
    const id = `sw${++nextId}`;
    this.emailPrompt = new EmailPromptView(id, { save: (email) => events.saveEmail(email), skip: () => events.skipEmail() });
    this.host = document.createElement('support-chat-widget');
    // Inline !important beats any stylesheet rule of the host page aimed at the host element.
    for (const [name, value] of [
      ['all', 'initial'],
      ['display', 'block'],
      ['position', 'fixed'],
      ['z-index', '2147483000'],
      ['width', '0'],
      ['height', '0'],
      ['right', '0'],
      ['bottom', '0'],
    ]) {
      this.host.style.setProperty(name!, value!, 'important');
    }
    this.root = this.host.attachShadow({ mode: 'open' });
    this.adoptStyles();

    this.badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
    this.chatIcon = icon(ICONS.chat, 28);
    this.closeIcon = icon(ICONS.close, 24);
    this.closeIcon.style.display = 'none';
    this.launcher = h(
      'button',
      { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': `${id}-panel` },
      this.chatIcon,
      this.closeIcon,
      this.badge,
    );
    this.launcher.addEventListener('click', () => events.toggle());

    const close = h('button', { type: 'button', class: 'x', 'aria-label': 'Close support chat' }, icon(ICONS.close, 20));
    close.addEventListener('click', () => events.close());

    this.connection = h('p', { class: 'bar conn', role: 'status', hidden: true });
    this.availability = h('p', { class: 'availability' }, 'We usually reply within a few minutes.');
    this.alertText = h('span');
    const dismiss = h('button', { type: 'button', 'aria-label': 'Dismiss message' }, 'Dismiss');
    dismiss.addEventListener('click', () => this.hideError());
    this.alert = h('div', { class: 'bar err', role: 'alert', hidden: true }, this.alertText, dismiss);

    this.olderButton = h('button', { type: 'button', class: 'older', hidden: true }, 'Show earlier messages');
    this.olderButton.addEventListener('click', () => events.older());
    this.empty = h('p', { class: 'empty' }, 'Ask us anything. We will reply here.');
    this.list = h('div', { class: 'list' });
    this.log = h(
      'div',
      { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Messages', tabindex: '0' },
      this.olderButton,
      this.empty,
      this.list,
    );
    this.log.addEventListener('scroll', () => {
      if (this.log.scrollTop < 60 && !this.olderButton.hidden) events.older();
    });

    this.typingLine = h('p', { class: 'typing', role: 'status', 'aria-live': 'polite' });

    this.input = h('textarea', {
      id: `${id}-input`,
      rows: '1',
      maxlength: '5000',
      placeholder: 'Write a message…',
      autocomplete: 'off',
    });
    this.input.addEventListener('input', () => {
      this.fitInput();
      events.typing(this.input.value);
    });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.files = new AttachmentsView({
      attach: (files) => this.submit(files),
      cancel: (key) => events.cancel(key),
      fileUrl: (attachment, variant) => events.fileUrl(attachment, variant),
      error: (message) => this.showError(message),
    });
    this.notice = h('p', { class: 'note', role: 'alert', hidden: true });
    const form = h(
      'form',
      { class: 'form' },
      h('label', { class: 'sr', for: `${id}-input` }, 'Message'),
      this.files.button,
      this.files.input,
      this.input,
      h('button', { type: 'submit', class: 'send' }, icon(ICONS.send, 18), 'Send'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });

    this.panel = h(
      'section',
      { id: `${id}-panel`, class: 'panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': `${id}-title`, hidden: true },
      (this.head = h('div', { class: 'head' }, h('div', { class: 'grow' }, h('h2', { id: `${id}-title` }, title), this.availability), close)),
      this.connection,
      this.alert,
      this.log,
      this.typingLine,
      this.notice,
      this.emailPrompt.element,
      form,
      this.files.lightbox,
    );
    this.files.accept(this.panel, this.input);

    const shell = h('div', { class: 'w' }, this.panel, this.launcher);
    shell.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.opened) {
        e.stopPropagation();
        events.close();
      }
    });
    this.root.appendChild(shell);
    this.setUnread(0);
  }

  private adoptStyles(): void {
    // A constructed sheet needs no 'unsafe-inline' under a host page's CSP; <style> is the fallback.
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      this.root.adoptedStyleSheets = [sheet];
    } catch {
      this.root.appendChild(h('style', {}, CSS));
    }
  }

  mount(): void {
    document.body.appendChild(this.host);
  }

  destroy(): void {
    clearTimeout(this.alertTimer);
    this.host.remove();
  }

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    this.opened = true;
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.setUnread(this.unread);
    this.scrollToBottom();
    this.input.focus();
  }

  close(): void {
    const focusWasInside = this.root.activeElement !== null;
    this.opened = false;
    this.files.closeLightbox();
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.setUnread(this.unread);
    if (focusWasInside) this.launcher.focus();
  }

  /** The calls' part of the panel: a button in the header (before Close), and a block above the messages. */
  addCallUi(button: HTMLElement, block: HTMLElement): void {
    this.head.insertBefore(button, this.head.lastElementChild);
    this.alert.after(block);
  }

  focusInput(): void {
    this.input.focus();
  }

  setUnread(count: number): void {
    this.unread = count;
    const show = count > 0 && !this.opened;
    this.badge.hidden = !show;
    setText(this.badge, count > 99 ? '99+' : String(count));
    this.chatIcon.style.display = this.opened ? 'none' : '';
    this.closeIcon.style.display = this.opened ? '' : 'none';
    const base = this.opened ? 'Close support chat' : 'Open support chat';
    this.launcher.setAttribute('aria-label', show ? `${base}, ${count} unread ${count === 1 ? 'message' : 'messages'}` : base);
  }

  /** The header's one word on presence: online, or when to expect an answer. Unknown keeps the default. */
  setAvailability(agentsOnline: boolean): void {
    this.availability.dataset.online = String(agentsOnline);
    setText(this.availability, agentsOnline ? 'We’re online now.' : 'We’ll reply as soon as we can.');
  }

  setConnection(state: Connection, text?: string): void {
    this.connection.hidden = state === 'online';
    setText(this.connection, text ?? (state === 'reconnecting' ? 'Connection lost. Reconnecting…' : 'Offline'));
  }

  showError(message: string): void {
    setText(this.alertText, message);
    this.alert.hidden = false;
    clearTimeout(this.alertTimer);
    this.alertTimer = setTimeout(() => this.hideError(), 12_000);
  }

  hideError(): void {
    this.alert.hidden = true;
  }

  /** A problem with what was just picked, shown by the input until the next send. */
  showNotice(message: string): void {
    setText(this.notice, message);
    this.notice.hidden = false;
  }

  setTyping(text: string): void {
    setText(this.typingLine, text);
  }

  setHasOlder(hasOlder: boolean): void {
    this.olderButton.hidden = !hasOlder;
  }

  setBusy(busy: boolean): void {
    if (busy) this.log.setAttribute('aria-busy', 'true');
    else this.log.removeAttribute('aria-busy');
  }

  /** Moves a row to a new key (a local message that the server has now stored). */
  rekey(from: string, to: string): void {
    const el = this.rows.get(from);
    if (!el || this.rows.has(to)) return;
    this.rows.delete(from);
    this.rows.set(to, el);
    el.dataset.key = to;
  }

  remove(key: string): void {
    this.rows.get(key)?.remove();
    this.rows.delete(key);
    this.empty.hidden = this.list.childElementCount > 0;
  }

  /** Adds or updates a row; `prepending` keeps the reader's place while older pages load. */
  upsert(row: Row, prepending = false): void {
    let el = this.rows.get(row.key);
    const stick = !prepending && this.nearBottom();
    const before = this.log.scrollHeight - this.log.scrollTop;
    if (!el || el.dataset.kind !== row.kind) {
      const fresh = this.build(row);
      if (el) el.replaceWith(fresh);
      el = fresh;
      this.rows.set(row.key, el);
      this.place(el, row.seq);
    } else if (el.dataset.seq !== (row.seq === null ? '' : String(row.seq))) {
      this.place(el, row.seq);
    }
    this.update(el, row);
    this.empty.hidden = this.list.childElementCount > 0;
    if (prepending) this.log.scrollTop = this.log.scrollHeight - before;
    else if (stick || row.kind === 'me') this.scrollToBottom();
  }

  /**
   * The conversation ended and a new one begins: its stored rows stay in view, frozen above
   * the new conversation's (whose seqs start again at 1), under a note.
   */
  archive(note: string): void {
    for (const [key, el] of this.rows) {
      if (el.dataset.seq === '') continue;
      el.dataset.seq = '-1';
      this.rows.delete(key);
    }
    const p = h('p', { class: 'sys' }, h('span', { class: 'txt' }, note));
    p.dataset.kind = 'system';
    this.place(p, -1);
  }

  /** True when the list does not fill the log, so scrolling cannot ask for more. */
  get underfilled(): boolean {
    return this.log.scrollHeight <= this.log.clientHeight + 4;
  }

  private submit(files?: File[]): void {
    if (this.events.send(this.input.value, files)) {
      this.notice.hidden = true;
      this.input.value = '';
      this.fitInput();
    }
    this.input.focus();
  }

  private fitInput(): void {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, 120)}px`;
  }

  private nearBottom(): boolean {
    return this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 80;
  }

  scrollToBottom(): void {
    this.log.scrollTop = this.log.scrollHeight;
  }

  /** Stored rows in seq order, local rows after them in the order they were written. */
  private place(el: HTMLElement, seq: number | null): void {
    el.dataset.seq = seq === null ? '' : String(seq);
    if (seq === null) {
      if (!el.isConnected) this.list.appendChild(el);
      return;
    }
    let ref: Element | null = null;
    for (let c = this.list.lastElementChild; c; c = c.previousElementSibling) {
      if (c === el) continue;
      const s = (c as HTMLElement).dataset.seq;
      if (s === '' || Number(s) > seq) ref = c;
      else break;
    }
    this.list.insertBefore(el, ref);
  }

  private build(row: Row): HTMLElement {
    let el: HTMLElement;
    if (row.kind === 'system') {
      el = h('p', { class: 'sys' }, h('span', { class: 'txt' }));
    } else if (row.kind === 'code') {
      const copy = h('button', { type: 'button', class: 'copy' }, 'Copy code');
      const code = h('code', { class: 'txt' });
      copy.addEventListener('click', () => void this.copy(code.textContent ?? '', copy));
      el = h('div', { class: 'code' }, h('span', { class: 'lbl' }, 'Your verification code'), code, copy);
    } else {
      const mine = row.kind === 'me';
      const retry = h('button', { type: 'button', class: 'retry', hidden: true }, 'Retry');
      retry.addEventListener('click', () => this.events.retry(el.dataset.key ?? ''));
      el = h(
        'div',
        { class: `m ${mine ? 'me' : 'them'}` },
        h('span', { class: 'sr who' }),
        h('div', { class: 'b txt' }),
        h('div', { class: 'files', hidden: true }),
        h('div', { class: 'meta' }, mine ? null : h('span', { class: 'from' }), h('time'), h('span', { class: 'st' }), retry),
      );
    }
    el.dataset.kind = row.kind;
    el.dataset.key = row.key;
    return el;
  }

  private update(el: HTMLElement, row: Row): void {
    const q = <T extends Element>(selector: string) => el.querySelector<T & Element>(selector);
    const txt = q('.txt');
    if (txt && txt.textContent !== row.text) setText(txt, row.text);
    if (row.kind !== 'me' && row.kind !== 'them') return;
    // A file message's caption may be empty: no empty bubble then.
    (txt as HTMLElement).hidden = row.text === '';
    this.files.update(q<HTMLElement>('.files')!, row.key, row.uploads, row.attachments);
    const who = row.kind === 'me' ? 'You said:' : `${row.sender ?? 'Support'} said:`;
    setText(q('.who')!, who);
    const from = q('.from');
    if (from) setText(from, row.sender ?? 'Support');
    const time = q<HTMLTimeElement>('time')!;
    time.dateTime = row.time;
    setText(time, formatTime(row.time));
    const status = row.status;
    if (row.kind === 'me' && status) {
      el.dataset.status = status;
      el.classList.toggle('failed', status === 'failed');
      setText(q('.st')!, status === 'failed' && row.error ? `Not sent: ${row.error}` : STATUS_TEXT[status]);
      q<HTMLButtonElement>('.retry')!.hidden = status !== 'failed';
    }
  }

  private async copy(text: string, button: HTMLButtonElement): Promise<void> {
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      // No clipboard API (insecure page) or no permission: copy through a selected field.
      const field = h('textarea', { class: 'sr', 'aria-hidden': 'true', tabindex: '-1' });
      field.value = text;
      this.root.appendChild(field);
      field.select();
      try {
        copied = document.execCommand('copy');
      } catch {
        copied = false;
      }
      field.remove();
      button.focus();
    }
    setText(button, copied ? 'Copied' : 'Copy failed, select the code');
    setTimeout(() => setText(button, 'Copy code'), 2_000);
  }
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

