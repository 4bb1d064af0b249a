import { h, setText } from './dom.js';

export interface EmailPromptEvents {
  /** Saves the address; resolves to an error to show, or undefined once saved. */
  save(email: string): Promise<string | undefined>;
  skip(): void;
}

/**
 * "Get the reply by email": one line above the reply box, shown once to a guest who may
 * leave before an agent answers. Skippable; the address is only ever set as an input's value.
 */
export class EmailPromptView {
  readonly element: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly message: HTMLSpanElement;
  private readonly save: HTMLButtonElement;

  constructor(id: string, events: EmailPromptEvents) {
    this.input = h('input', { id: `${id}-email`, type: 'email', required: true, maxlength: '254', autocomplete: 'email', placeholder: 'you@example.com' });
    this.message = h('span', { class: 'em-msg', role: 'status' }, 'Get the reply by email:');
    this.save = h('button', { type: 'submit' }, 'Save');
    const skip = h('button', { type: 'button', class: 'em-skip' }, 'Not now');
    skip.addEventListener('click', () => {
      this.hide();
      events.skip();
    });
    this.element = h('form', { class: 'bar em', hidden: true, 'aria-label': 'Get the reply by email' }, this.message, h('label', { class: 'sr', for: `${id}-email` }, 'Email'), this.input, this.save, skip);
    this.element.addEventListener('submit', (e) => {
      e.preventDefault();
      const email = this.input.value.trim();
      if (!email) return;
      this.save.disabled = true;
      void events.save(email).then((error) => {
        this.save.disabled = false;
        if (error) return setText(this.message, error);
        this.input.hidden = this.save.hidden = skip.hidden = true;
        setText(this.message, `We’ll email you at ${email} if you’re away when we reply (confirm it from the first email).`);
      });
    });
  }

  show(): void {
    this.element.hidden = false;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
