import { TRPCError } from '@trpc/server';
import type { Metrics } from '../ops/metrics.js';
import { ok, reportError } from '../router/errors.js';
import { createCaller } from '../router/index.js';
import type { Ack, ClientToServerEvents } from './events.js';
import type { SupportSocket } from './server.js';

/** What every event handler shares: error reporting, metrics, and the drain bookkeeping. */
export interface EventRuntime {
  onUnexpected: (error: unknown) => void;
  metrics: Metrics;
  isDraining: () => boolean;
  /** Events being handled right now: a drain waits for them to be acknowledged. */
  inFlight: { count: number };
}

/** A client event's listener: one function for the whole process, called with the socket as `this`. */
export type Listener = (this: SupportSocket, ...args: unknown[]) => void;
export type Listeners = ReadonlyArray<readonly [keyof ClientToServerEvents, Listener]>;

export type Listen = <T>(
  event: keyof ClientToServerEvents,
  run: (socket: SupportSocket, payload: unknown) => Promise<T>,
  onSuccess?: (socket: SupportSocket, data: T) => void,
) => readonly [keyof ClientToServerEvents, Listener];

/** The procedures, called as the socket's connection: every event shares its one context object. */
export const callerOf = (socket: SupportSocket) => createCaller(socket.data.context);

/**
 * Builds the listener of a client event calling a procedure. Its acknowledgement gets the
 * REST envelope; a failure also emits `message:error`, and the socket stays connected.
 * Socket.IO calls listeners with the socket as `this`, so one function serves every
 * socket: an idle connection holds no closures of its own.
 */
export function createListen(runtime: EventRuntime): Listen {
  return (event, run, onSuccess) => {
    const listener: Listener = async function (this: SupportSocket, ...args: unknown[]) {
      const socket = this;
      // Socket.IO passes the acknowledgement last, whatever came before it: after the
      // payload, in its place (`socket.emit(event, callback)`), or after extra arguments.
      const reply = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
      const payload = args[0];
      const stopTimer = runtime.metrics.socketEventSeconds.startTimer({ event });
      runtime.inFlight.count++;
      try {
        // A draining replica takes nothing new: the client retries elsewhere (same clientMessageId).
        if (runtime.isDraining()) throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'Server is restarting, retry' });
        const data = await run(socket, payload);
        onSuccess?.(socket, data);
        reply?.(ok(data));
        stopTimer({ outcome: 'ok' });
      } catch (error) {
        const report = reportError(error);
        if (report.unexpected) runtime.onUnexpected(error);
        socket.emit('message:error', { error: report.body.message, event, code: report.code });
        reply?.(report.body);
        stopTimer({ outcome: report.code });
      } finally {
        runtime.inFlight.count--;
      }
    };
    return [event, listener] as const;
  };
}

/** Reads a field of an untrusted payload without trusting its shape. */
export function field(payload: unknown, name: string): unknown {
  return payload !== null && typeof payload === 'object' && Object.hasOwn(payload, name)
    ? (payload as Record<string, unknown>)[name]
    : undefined;
}
