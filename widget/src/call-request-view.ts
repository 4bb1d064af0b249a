import type { Call } from '../../client/src/wire.js';
import type { CallRequest } from './call-transport.js';
import { h, icon, ICONS, setText } from './dom.js';
import type { FieldError } from './types.js';

export interface CallRequestEvents {
  /** Sends the request; resolves to the refusal to show, or undefined once it is taken. */
  request(input: CallRequest): Promise<{ message: string; errors?: readonly FieldError[] } | undefined>;
  /** Takes a waiting request back; resolves to an error to show, or undefined. */
  cancel(callId: string): Promise<string | undefined>;
  /** The form closed: focus goes back to the message box. */
  done(): void;
}

/** A time as the visitor reads it: their own zone and locale, named. */
export const visitorTime = (iso: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso));

/** A datetime-local value ("2026-12-08T14:30") for a time, in the browser's zone. */
const localValue = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
};

const FIELDS: Record<string, string> = { preferredAt: 'Preferred time', phone: 'Phone', note: 'What is it about?', timeZone: 'Time zone' };

/** The form asking for a call: now or at a time, an optional phone number and note. */
class RequestForm {
  readonly element: HTMLFormElement;
  private readonly later: HTMLInputElement;
  private readonly now: HTMLInputElement;
  private readonly timeRow: HTMLDivElement;
  private readonly time: HTMLInputElement;
  private readonly phone: HTMLInputElement;
  private readonly note: HTMLTextAreaElement;
  private readonly submit: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private sending = false;

  constructor(
    f: string,
    private readonly events: CallRequestEvents,
    private readonly close: (refocus: boolean) => void,
  ) {
    const radio = (value: string, checked: boolean) => h('input', { type: 'radio', id: `${f}-${value}`, name: `${f}-when`, value, checked });
    this.now = radio('now', true);
    this.later = radio('later', false);
    this.time = h('input', { type: 'datetime-local', id: `${f}-time`, disabled: true });
    this.timeRow = h('div', { class: 'cr-row', hidden: true }, h('label', { for: `${f}-time` }, 'Preferred time'), this.time);
    this.phone = h('input', { type: 'tel', id: `${f}-phone`, autocomplete: 'tel', maxlength: '32' });
    this.note = h('textarea', { id: `${f}-note`, rows: '2', maxlength: '1000' });
    this.error = h('p', { class: 'call-error', role: 'alert', hidden: true });
    this.submit = h('button', { type: 'submit', class: 'primary' }, 'Send request');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    cancel.addEventListener('click', () => close(true));
    for (const r of [this.now, this.later]) r.addEventListener('change', () => this.showTime());
    // The server checks the input (and says what is wrong): no browser bubbles first.
    this.element = h(
      'form',
      { id: f, class: 'bar call-form', 'aria-labelledby': `${f}-h`, novalidate: true },
      h('h3', { id: `${f}-h` }, 'Request a call'),
      h(
        'fieldset',
        {},
        h('legend', {}, 'When?'),
        h('span', { class: 'cr-opt' }, this.now, h('label', { for: `${f}-now` }, 'As soon as possible')),
        h('span', { class: 'cr-opt' }, this.later, h('label', { for: `${f}-later` }, 'At a time')),
      ),
      this.timeRow,
      h('div', { class: 'cr-row' }, h('label', { for: `${f}-phone` }, 'Phone (optional)'), this.phone),
      h('div', { class: 'cr-row' }, h('label', { for: `${f}-note` }, 'What is it about? (optional)'), this.note),
      this.error,
      h('div', { class: 'call-actions' }, this.submit, cancel),
    );
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.send();
    });
  }

  opened(): void {
    const now = Date.now();
    const soon = now + 3_600_000;
    this.time.min = localValue(now);
    this.time.max = localValue(now + 60 * 86_400_000);
    if (!this.time.value) this.time.value = localValue(soon - (soon % 900_000) + 900_000);
    this.error.hidden = true;
    this.now.focus();
  }

  private showTime(): void {
    const later = this.later.checked;
    this.timeRow.hidden = !later;
    this.time.disabled = !later;
  }

  private async send(): Promise<void> {
    if (this.sending) return;
    const input: CallRequest = { when: this.later.checked ? 'later' : 'now' };
    if (input.when === 'later') {
      const at = new Date(this.time.value);
      if (!this.time.value || Number.isNaN(at.getTime())) return this.fail({ message: 'Choose a preferred time.' }, this.time);
      input.preferredAt = at.toISOString();
    }
    try {
      input.timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch {
      // No zone known: the server keeps none.
    }
    const phone = this.phone.value.trim();
    const note = this.note.value.trim();
    if (phone) input.phone = phone;
    if (note) input.note = note;
    this.sending = true;
    this.submit.setAttribute('aria-disabled', 'true');
    const refusal = await this.events.request(input);
    this.sending = false;
    this.submit.removeAttribute('aria-disabled');
    if (refusal) return this.fail(refusal);
    this.element.reset();
    this.showTime();
    for (const field of [this.time, this.phone, this.note]) field.removeAttribute('aria-invalid');
    this.close(false);
    this.events.done();
  }

  private fail(refusal: { message: string; errors?: readonly FieldError[] }, field?: HTMLElement): void {
    const inputs: Record<string, HTMLElement> = { preferredAt: this.time, phone: this.phone, note: this.note };
    for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
    const errors = refusal.errors ?? [];
    const lines = errors.length ? errors.map((e) => (FIELDS[e.field] ? `${FIELDS[e.field]}: ${e.message}` : e.message)) : [refusal.message];
    setText(this.error, lines.join('\n'));
    this.error.hidden = false;
    const invalid = field ? [field] : errors.map((e) => inputs[e.field]).filter((el): el is HTMLElement => !!el);
    for (const el of invalid) el.setAttribute('aria-invalid', 'true');
    invalid[0]?.focus();
  }
}

/**
 * Asking to be called: the header's "Request a call" button, its form (built when first opened),
 * and the line that shows the request while it waits. What the visitor typed only ever goes in
 * as an input's value or a text node.
 */
export class CallRequestView {
  readonly button: HTMLButtonElement;
  readonly banner: HTMLDivElement;
  private form: RequestForm | null = null;
  private readonly what: HTMLParagraphElement;
  private readonly details: HTMLParagraphElement;
  private readonly bannerError: HTMLParagraphElement;
  private waiting: Call | null = null;

  constructor(
    private readonly id: string,
    private readonly events: CallRequestEvents,
  ) {
    this.button = h(
      'button',
      { type: 'button', class: 'x', 'aria-label': 'Request a call', title: 'Request a call', 'aria-expanded': 'false', 'aria-controls': `${id}-cr` },
      icon(ICONS.phone, 20),
    );
    this.button.addEventListener('click', () => (this.isOpen ? this.closeForm(false) : this.openForm()));
    this.what = h('p', { class: 'cr-what' });
    this.details = h('p', { class: 'cr-details', hidden: true });
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel request');
    cancel.addEventListener('click', () => void this.cancelRequest());
    this.bannerError = h('p', { class: 'call-error', role: 'alert', hidden: true });
    this.banner = h('div', { class: 'bar call-request', role: 'status', hidden: true }, this.what, this.details, cancel);
  }

  /** The waiting request and its errors (after it, outside its live region): the form goes before them. */
  get elements(): HTMLElement[] {
    return [this.banner, this.bannerError];
  }

  /** The request waiting (requested or scheduled), or null; `live`: some call is going, so no new request. */
  render(waiting: Call | null, live: boolean): void {
    this.button.hidden = live;
    if (live && this.isOpen) this.closeForm(false);
    if (waiting?.id !== this.waiting?.id) this.bannerError.hidden = true;
    this.waiting = waiting;
    this.banner.hidden = !waiting;
    if (!waiting) return;
    const at = waiting.status === 'scheduled' ? waiting.scheduledAt : waiting.preferredAt;
    const what = waiting.status === 'scheduled' && at ? `Call scheduled for ${visitorTime(at)}` : at ? `Call requested for ${visitorTime(at)}` : 'Call requested: as soon as possible';
    const details = [waiting.phone && `We’ll call ${waiting.phone}.`, waiting.note && `About: ${waiting.note}`].filter(Boolean).join(' ');
    // A live region: only news is written (and so announced).
    if (this.what.textContent !== what) setText(this.what, what);
    if (this.details.textContent !== details) setText(this.details, details);
    this.details.hidden = !details;
  }

  private get isOpen(): boolean {
    return !!this.form && !this.form.element.hidden;
  }

  private openForm(): void {
    if (!this.form) {
      this.form = new RequestForm(`${this.id}-cr`, this.events, (refocus) => this.closeForm(refocus));
      this.banner.before(this.form.element);
    }
    this.form.element.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.form.opened();
  }

  private closeForm(refocus: boolean): void {
    if (this.form) this.form.element.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (refocus) this.button.focus();
  }

  private async cancelRequest(): Promise<void> {
    const call = this.waiting;
    if (!call) return;
    const error = await this.events.cancel(call.id);
    if (error) {
      setText(this.bannerError, error);
      this.bannerError.hidden = false;
    } else {
      this.events.done();
    }
  }
}
