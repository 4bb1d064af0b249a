import { systemClock, type Clock } from './clock.js';
import { randomId } from './ids.js';
import { errorMessage } from './transport.js';
import type { Call, CallConnection, Signal } from './wire.js';

/**
 * idle: no call here. incoming: ringing for the customer. outgoing: the agent rang, no answer yet.
 * connecting → connected; reconnecting: the media path dropped or the other side is rejoining.
 * ended: the call is over (`call` holds how it ended).
 */
export type CallPhase = 'idle' | 'incoming' | 'outgoing' | 'connecting' | 'connected' | 'reconnecting' | 'ended';
export type CallSide = 'customer' | 'agent';
export interface MediaState {
  muted: boolean;
  camera: boolean;
  screen: boolean;
}

export interface CallState {
  readonly call: Call | null;
  readonly phase: CallPhase;
  /** This side's media. */
  readonly local: MediaState;
  /** What the other side said of theirs (a `media` signal). */
  readonly remote: MediaState;
  /** Input and output levels, 0…1, while the media flows. */
  readonly levels: { local: number; remote: number };
  /** The last failure, for people (the microphone refused, the server's refusal). */
  readonly error: string | null;
  /** An action is on its way to the server (buttons wait). */
  readonly busy: boolean;
}

export interface JoinedCall {
  call: Call;
  connection: CallConnection;
}

/** What an app's connection does for calls (Socket.IO for the widget, tRPC for the console). */
export interface CallTransport {
  ring(conversationId: string, peerId: string): Promise<JoinedCall>;
  answer(callId: string, peerId: string): Promise<JoinedCall>;
  join(callId: string, peerId: string): Promise<JoinedCall>;
  decline(callId: string): Promise<Call>;
  hangUp(callId: string): Promise<Call>;
  alive(callId: string, peerId: string): Promise<unknown>;
  signal(callId: string, peerId: string, signal: Signal): Promise<unknown>;
}

export type MediaPathState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/**
 * One window's media: the devices and one RTCPeerConnection at a time (the browser's, in
 * `client/browser/webrtc.ts`). The session decides when to connect, offer and answer.
 */
export interface CallMedia {
  /** Asks for the microphone once per call; rejects with the browser's refusal. */
  openMicrophone(): Promise<void>;
  /** A new peer connection (closing the one before), reporting its signals and path state. */
  connect(connection: CallConnection, events: { signal(signal: Signal): void; state(state: MediaPathState): void }): void;
  /** The agent's side: an offer, sent through `signal`. */
  offer(): Promise<void>;
  /** An offer (answered through `signal`), an answer, or a candidate from the other side. */
  receive(signal: Exclude<Signal, { kind: 'media' }>): Promise<void>;
  setMuted(muted: boolean): void;
  /** Turns the camera or the screen share on or off; rejects when the browser refuses. */
  setVideo(source: 'camera' | 'screen' | null): Promise<void>;
  levels(): Promise<{ local: number; remote: number }>;
  close(): void;
}

export class MediaRefusedError extends Error {
  override name = 'MediaRefusedError';
}

export interface CallSessionOptions {
  side: CallSide;
  transport: CallTransport;
  media: CallMedia;
  clock?: Clock;
  /** This window's id in a call (default: random). */
  newPeerId?: () => string;
}

const ENDED: readonly Call['status'][] = ['completed', 'missed', 'cancelled', 'declined'];
const ALIVE_MS = 5_000;
const LEVELS_MS = 250;
/** How long a failed media path waits before the agent's side starts it again. */
const RESTART_MS = 2_000;
const OFF: MediaState = { muted: false, camera: false, screen: false };

export const ELSEWHERE = 'Your call goes on in another window.';
export const MICROPHONE_REFUSED = 'Your browser did not allow the microphone. Allow it for this site (the icon in the address bar), then try again.';

/**
 * One window's part in a call, for either side. The agent's window offers; the customer's
 * answers. A window that reloads rejoins with a new peer id: the agent's side offers again to
 * a customer who rejoined, and a customer takes a new offer from an agent who did. Signals go
 * out one at a time, in order; candidates from a peer whose offer or answer has not come yet
 * wait for it.
 */
export class CallSession {
  private readonly side: CallSide;
  private readonly transport: CallTransport;
  private readonly media: CallMedia;
  private readonly clock: Clock;
  private readonly newPeerId: () => string;
  private readonly listeners = new Set<() => void>();
  private call: Call | null = null;
  private phase: CallPhase = 'idle';
  private local: MediaState = OFF;
  private remote: MediaState = OFF;
  private levels = { local: 0, remote: 0 };
  private error: string | null = null;
  private busy = false;
  private state: CallState | null = null;
  private peerId: string | null = null;
  /** The peer id this window is joining with, before the server has answered. */
  private joiningAs: string | null = null;
  private connection: CallConnection | null = null;
  /** The other side's window whose description this peer connection holds. */
  private remotePeer: string | null = null;
  private readonly waitingCandidates = new Map<string, Signal[]>();
  /** Signals of this call that came while this window was still joining it. */
  private early: { callId: string; fromPeer: string; signal: Signal }[] = [];
  private sending: Promise<unknown> = Promise.resolve();
  private aliveTimer: unknown;
  private levelsTimer: unknown;
  private restartTimer: unknown;
  private microphone: Promise<void> | null = null;
  private disposed = false;

  constructor(options: CallSessionOptions) {
    this.side = options.side;
    this.transport = options.transport;
    this.media = options.media;
    this.clock = options.clock ?? systemClock;
    this.newPeerId = options.newPeerId ?? (() => randomId().replaceAll('-', ''));
  }

  readonly getState = (): CallState => (this.state ??= {
    call: this.call,
    phase: this.phase,
    local: this.local,
    remote: this.remote,
    levels: this.levels,
    error: this.error,
    busy: this.busy,
  });

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  // ---- what the connection hears ----

  /** A call's new state (`call:updated`, `live.calls`, or `calls.active` after a reload). */
  updated(call: Call): void {
    const current = this.call;
    const inCall = this.phase !== 'idle' && this.phase !== 'ended';
    // Another call while this window is in one; an agent's window follows only its own call.
    if (current && current.id !== call.id && inCall) return;
    if (this.side === 'agent' && current?.id !== call.id && !(this.joiningAs && call.agentPeer === this.joiningAs)) return;
    if (current?.id === call.id && call.version < current.version) return;
    this.call = call;
    if (ENDED.includes(call.status)) {
      if (inCall) this.finish();
      this.changed();
      return;
    }
    // Another window of this side took the call (a rejoin there, or an answer in another tab).
    const ours = this.peerId ?? this.joiningAs;
    const theirs = this.side === 'agent' ? call.agentPeer : call.customerPeer;
    if (inCall && theirs && (ours ? theirs !== ours : this.phase === 'incoming')) {
      this.finish();
      this.phase = 'idle';
      this.error = ours ? ELSEWHERE : null;
      this.changed();
      return;
    }
    if (this.side === 'customer' && call.status === 'ringing' && (this.phase === 'idle' || this.phase === 'ended')) {
      this.phase = 'incoming';
      this.error = null;
      this.local = OFF;
      this.remote = OFF;
    }
    this.offerIfAnswered();
    this.changed();
  }

  /** A signal from the other party (`call:signal`, `live.calls`). */
  signalled(event: { callId: string; fromPeer: string; signal: Signal }): void {
    if (!this.call || event.callId !== this.call.id) return;
    // The other side can be quicker than our own answer's acknowledgement: held until it comes.
    if (!this.peerId || !this.connection) {
      if (this.busy) this.early = [...this.early, event].slice(-50);
      return;
    }
    const { fromPeer, signal } = event;
    if (signal.kind === 'media') {
      this.remote = { muted: signal.muted, camera: signal.camera, screen: signal.screen };
      this.changed();
      return;
    }
    if (signal.kind === 'offer' && this.side === 'customer') {
      // The agent's window (new, or the same one starting over): a fresh connection answers it.
      this.remotePeer = fromPeer;
      this.startMedia(false);
    }
    if (fromPeer !== this.remotePeer) {
      if (signal.kind === 'candidate') this.waitingCandidates.set(fromPeer, [...(this.waitingCandidates.get(fromPeer) ?? []), signal].slice(-50));
      return;
    }
    void this.media.receive(signal).catch((error: unknown) => this.fail(error));
    if (signal.kind === 'offer' || signal.kind === 'answer') {
      for (const waiting of this.waitingCandidates.get(fromPeer) ?? []) void this.media.receive(waiting as never).catch(ignore);
      this.waitingCandidates.delete(fromPeer);
    }
  }

  // ---- what the user does ----

  /** The agent rings a conversation's customer (their waiting request, or a new call). */
  async ring(conversationId: string): Promise<boolean> {
    if (this.phase !== 'idle' && this.phase !== 'ended') return false;
    return this.act(async () => {
      await this.openMicrophone();
      const peerId = (this.joiningAs = this.newPeerId());
      const joined = await this.transport.ring(conversationId, peerId);
      this.enter(joined, peerId, 'outgoing');
    });
  }

  /** The customer picks up. */
  async accept(): Promise<boolean> {
    const call = this.call;
    if (!call || this.phase !== 'incoming') return false;
    return this.act(async () => {
      await this.openMicrophone();
      const peerId = (this.joiningAs = this.newPeerId());
      const joined = await this.transport.answer(call.id, peerId);
      // The agent's offer makes the connection.
      this.enter(joined, peerId, 'connecting');
    });
  }

  /** The customer turns the ringing call down. */
  async decline(): Promise<boolean> {
    const call = this.call;
    if (!call || this.phase !== 'incoming') return false;
    return this.act(async () => this.updated(await this.transport.decline(call.id)));
  }

  /** Either side ends the call (or stops ringing). */
  async hangUp(): Promise<boolean> {
    const call = this.call;
    if (!call || this.phase === 'idle' || this.phase === 'ended') return false;
    return this.act(async () => this.updated(await this.transport.hangUp(call.id)));
  }

  /**
   * Back into a call this side is in, from a new window (a reload, a lost connection): the
   * call as `calls.active` gave it. Ringing for a customer is offered as incoming again.
   */
  async rejoin(call: Call): Promise<boolean> {
    if (this.phase !== 'idle' && this.phase !== 'ended') return false;
    if (this.side === 'customer' && call.status === 'ringing') {
      this.updated(call);
      return true;
    }
    if (call.status !== 'in_progress' && !(this.side === 'agent' && call.status === 'ringing')) return false;
    this.call = call;
    return this.act(async () => {
      await this.openMicrophone();
      const peerId = (this.joiningAs = this.newPeerId());
      const joined = await this.transport.join(call.id, peerId);
      this.enter(joined, peerId, call.status === 'ringing' ? 'outgoing' : 'reconnecting');
      // The agent's window offers at once (enter); the customer's waits for the agent's new offer.
    });
  }

  setMuted(muted: boolean): void {
    if (!this.peerId) return;
    this.media.setMuted(muted);
    this.local = { ...this.local, muted };
    this.tellMedia();
  }

  /** Camera or screen on (one at a time), or video off. */
  async setVideo(source: 'camera' | 'screen' | null): Promise<void> {
    if (!this.peerId) return;
    try {
      await this.media.setVideo(source);
      this.local = { ...this.local, camera: source === 'camera', screen: source === 'screen' };
      this.error = null;
      this.tellMedia();
    } catch (error) {
      this.error = source === 'screen' ? 'Screen sharing was not allowed.' : 'Your browser did not allow the camera.';
      void error;
      this.changed();
    }
  }

  /** Forget an ended call (the view closed its summary). */
  dismiss(): void {
    if (this.phase !== 'ended' && this.phase !== 'idle') return;
    this.phase = 'idle';
    this.call = null;
    this.error = null;
    this.changed();
  }

  dispose(): void {
    this.disposed = true;
    this.stopTimers();
    this.media.close();
    this.listeners.clear();
  }

  // ---- inside ----

  private async act(run: () => Promise<void>): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.error = null;
    this.changed();
    try {
      await run();
      return true;
    } catch (error) {
      this.error = error instanceof MediaRefusedError ? MICROPHONE_REFUSED : errorMessage(error);
      // Refused before this window got into the call: the microphone it opened goes off again.
      if (!this.peerId) {
        this.media.close();
        this.microphone = null;
      }
      return false;
    } finally {
      this.joiningAs = null;
      this.busy = false;
      this.changed();
    }
  }

  private openMicrophone(): Promise<void> {
    this.microphone ??= this.media.openMicrophone().catch((error: unknown) => {
      this.microphone = null;
      throw new MediaRefusedError(errorMessage(error));
    });
    return this.microphone;
  }

  private enter(joined: JoinedCall, peerId: string, phase: CallPhase): void {
    this.peerId = peerId;
    this.connection = joined.connection;
    // News of the call may have come before the server's answer to joining it: the newer stays.
    if (!(this.call?.id === joined.call.id && this.call.version > joined.call.version)) this.call = joined.call;
    this.phase = phase;
    this.local = { ...OFF };
    this.remote = { ...OFF };
    this.startTimers();
    if (ENDED.includes(this.call.status)) this.finish();
    for (const event of this.early.splice(0)) this.signalled(event);
    this.offerIfAnswered();
  }

  /** The agent's window offers to the customer's window in the call: on the answer, and again when it rejoins. */
  private offerIfAnswered(): void {
    const call = this.call;
    if (this.side !== 'agent' || !this.peerId || call?.status !== 'in_progress' || !call.customerPeer || call.customerPeer === this.remotePeer) return;
    this.remotePeer = call.customerPeer;
    this.startMedia(true);
  }

  /** A fresh peer connection; the agent's side offers on it. */
  private startMedia(offer: boolean): void {
    if (!this.connection) return;
    this.clock.clearTimeout(this.restartTimer);
    this.media.connect(this.connection, {
      signal: (signal) => this.send(signal),
      state: (state) => this.onPath(state),
    });
    if (this.phase !== 'connected') this.phase = this.phase === 'reconnecting' ? 'reconnecting' : 'connecting';
    if (offer) void this.media.offer().catch((error: unknown) => this.fail(error));
    this.changed();
  }

  private onPath(state: MediaPathState): void {
    if (this.phase === 'ended' || this.phase === 'idle') return;
    if (state === 'connected') {
      this.phase = 'connected';
      this.tellMedia();
    } else if (state === 'disconnected' || state === 'failed') {
      this.phase = 'reconnecting';
      // The offering side starts over; the other waits for its new offer.
      if (state === 'failed' && this.side === 'agent') {
        this.clock.clearTimeout(this.restartTimer);
        this.restartTimer = this.clock.setTimeout(() => this.phase === 'reconnecting' && this.startMedia(true), RESTART_MS);
      }
    }
    this.changed();
  }

  private send(signal: Signal): void {
    const call = this.call;
    const peerId = this.peerId;
    if (!call || !peerId) return;
    // A signal still queued when this window left the call stays here.
    this.sending = this.sending.then(() => (this.peerId === peerId ? this.transport.signal(call.id, peerId, signal) : undefined)).catch(ignore);
  }

  private tellMedia(): void {
    this.send({ kind: 'media', ...this.local });
    this.changed();
  }

  private startTimers(): void {
    this.stopTimers();
    const alive = () => {
      const call = this.call;
      if (!call || !this.peerId || this.disposed) return;
      void this.transport.alive(call.id, this.peerId).catch(ignore);
      this.aliveTimer = this.clock.setTimeout(alive, ALIVE_MS);
    };
    this.aliveTimer = this.clock.setTimeout(alive, ALIVE_MS);
    const poll = () => {
      if (this.disposed || !this.peerId) return;
      void this.media
        .levels()
        .then((levels) => {
          if (levels.local !== this.levels.local || levels.remote !== this.levels.remote) {
            this.levels = levels;
            this.changed();
          }
        })
        .catch(ignore)
        .finally(() => {
          if (this.peerId) this.levelsTimer = this.clock.setTimeout(poll, LEVELS_MS);
        });
    };
    this.levelsTimer = this.clock.setTimeout(poll, LEVELS_MS);
  }

  private stopTimers(): void {
    this.clock.clearTimeout(this.aliveTimer);
    this.clock.clearTimeout(this.levelsTimer);
    this.clock.clearTimeout(this.restartTimer);
  }

  private finish(): void {
    this.phase = 'ended';
    this.peerId = null;
    this.connection = null;
    this.remotePeer = null;
    this.microphone = null;
    this.waitingCandidates.clear();
    this.early = [];
    this.levels = { local: 0, remote: 0 };
    this.stopTimers();
    this.media.close();
  }

  private fail(error: unknown): void {
    this.error = errorMessage(error);
    this.changed();
  }

  private changed(): void {
    this.state = null;
    for (const listener of this.listeners) listener();
  }
}

function ignore(): void {}

/** "3:07" for a call's running time; hours when it runs that long. */
export function formatCallTime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const mm = String(Math.floor((s % 3600) / 60)).padStart(s >= 3600 ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}
