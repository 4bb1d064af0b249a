import { ok, reportError } from '../router/errors.js';
import type { Ack, ClientToServerEvents } from './events.js';
import type { SupportSocket } from './server.js';

/**
 * Registers a client event that calls a procedure. Its acknowledgement gets the REST
 * envelope; a failure also emits `message:error`, and the socket stays connected.
 */
export function handle<T>(
  socket: SupportSocket,
  event: keyof ClientToServerEvents,
  run: (payload: unknown) => Promise<T>,
  onSuccess?: (data: T) => void,
  onUnexpected: (error: unknown) => void = console.error,
): void {
  socket.on(event, async (payload: unknown, ack?: Ack) => {
    // `socket.emit(event, callback)` sends the callback in the payload's place.
    if (typeof payload === 'function' && ack === undefined) [payload, ack] = [undefined, payload as Ack];
    const reply = typeof ack === 'function' ? ack : undefined;
    try {
      const data = await run(payload);
      onSuccess?.(data);
      reply?.(ok(data));
    } catch (error) {
      const report = reportError(error);
      if (report.unexpected) onUnexpected(error);
      socket.emit('message:error', { error: report.body.message, event, code: report.code });
      reply?.(report.body);
    }
  });
}

/** Reads a field of an untrusted payload without trusting its shape. */
export function field(payload: unknown, name: string): unknown {
  return payload !== null && typeof payload === 'object' && Object.hasOwn(payload, name)
    ? (payload as Record<string, unknown>)[name]
    : undefined;
}
