import type { CallTransport, JoinedCall } from '../../client/src/call.js';
import type { Call, Signal } from '../../client/src/wire.js';
import type { Conversation } from './types.js';

/** What the customer sends with a call request (the server checks it: `RequestCallInput`). */
export interface CallRequest {
  when: 'now' | 'later';
  /** ISO time, with `later`. */
  preferredAt?: string;
  /** The browser's IANA zone, so agents and the history show times as the customer reads them. */
  timeZone?: string;
  phone?: string;
  note?: string;
}

type Ack = <T>(event: string, payload?: unknown) => Promise<T>;

/**
 * The core's CallTransport over the widget's socket (`call:*` events with acknowledgements), and
 * the customer's own requests. Failures reject with the server's message (RefusedError).
 */
export class SocketCallTransport implements CallTransport {
  constructor(private readonly socket: { ack: Ack }) {}

  ring(): Promise<JoinedCall> {
    return Promise.reject(new Error('Customers do not ring'));
  }

  answer(callId: string, peerId: string): Promise<JoinedCall> {
    return this.socket.ack('call:answer', { callId, peerId });
  }

  join(callId: string, peerId: string): Promise<JoinedCall> {
    return this.socket.ack('call:join', { callId, peerId });
  }

  decline(callId: string): Promise<Call> {
    return this.socket.ack('call:decline', { callId });
  }

  hangUp(callId: string): Promise<Call> {
    return this.socket.ack('call:hangup', { callId });
  }

  alive(callId: string, peerId: string): Promise<unknown> {
    return this.socket.ack('call:alive', { callId, peerId });
  }

  signal(callId: string, peerId: string, signal: Signal): Promise<unknown> {
    return this.socket.ack('call:signal', { callId, peerId, signal });
  }

  /** The request lives in the customer's call_request conversation (created if none). */
  requestCall(request: CallRequest): Promise<{ call: Call; conversation: Conversation }> {
    return this.socket.ack('call:request', request);
  }

  cancelCall(callId: string): Promise<Call> {
    return this.socket.ack('call:cancel', { callId });
  }

  /** The customer's live calls: requested, scheduled, ringing, in progress. */
  async activeCalls(): Promise<Call[]> {
    return (await this.socket.ack<{ calls: Call[] }>('call:active')).calls;
  }
}
