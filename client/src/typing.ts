import { Timeout, type Clock } from './clock.js';
import type { SenderType } from './wire.js';

/** Without a keystroke for this long, we have stopped typing. */
export const TYPING_IDLE_MS = 3_000;
/** Their indicator hides after this long without a stop: a stop can be lost with its connection. */
export const THEIR_TYPING_MAX_MS = 10_000;

/** Our side: typing:start on the first keystroke, typing:stop when idle, on send, or when the box is emptied. */
export class TypingSignal {
  private started = false;
  private readonly idle: Timeout;

  constructor(
    clock: Clock,
    private readonly emit: (isTyping: boolean) => void,
    private readonly canEmit: () => boolean,
  ) {
    this.idle = new Timeout(clock, TYPING_IDLE_MS, () => this.stop());
  }

  input(text: string): void {
    if (!text.trim()) return this.stop();
    if (!this.started && this.canEmit()) {
      this.started = true;
      this.emit(true);
    }
    this.idle.start();
  }

  stop(): void {
    this.idle.stop();
    if (!this.started) return;
    this.started = false;
    if (this.canEmit()) this.emit(false);
  }
}

/** The other side's indicator: who is typing, until their stop, their message, or THEIR_TYPING_MAX_MS. */
export class TheirTyping {
  private current: SenderType | null = null;
  private readonly expiry: Timeout;

  constructor(
    clock: Clock,
    private readonly changed: () => void,
  ) {
    this.expiry = new Timeout(clock, THEIR_TYPING_MAX_MS, () => this.set(null));
  }

  get who(): SenderType | null {
    return this.current;
  }

  set(who: SenderType | null): void {
    if (who) this.expiry.start();
    else this.expiry.stop();
    if (who === this.current) return;
    this.current = who;
    this.changed();
  }
}
