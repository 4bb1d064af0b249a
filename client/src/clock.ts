/** Time as the core sees it: injected, so tests drive it and nothing here reads a global timer. */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Timers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The platform's own timers (browser or Node), for apps that have no reason to inject any. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => (globalThis as unknown as Timers).setTimeout(run, ms),
  clearTimeout: (handle) => (globalThis as unknown as Timers).clearTimeout(handle),
};

/** One restartable timeout: starting it again puts the deadline off. */
export class Timeout {
  private handle: unknown;
  private armed = false;

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly run: () => void,
  ) {}

  start(): void {
    this.stop();
    this.armed = true;
    this.handle = this.clock.setTimeout(() => {
      this.armed = false;
      this.run();
    }, this.ms);
  }

  stop(): void {
    if (!this.armed) return;
    this.armed = false;
    this.clock.clearTimeout(this.handle);
  }
}
