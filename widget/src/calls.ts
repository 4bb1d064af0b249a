import { BrowserCallMedia } from '../../client/browser/webrtc.js';
import { CallSession, ELSEWHERE, type CallMedia, type CallState } from '../../client/src/call.js';
import { errorMessage } from '../../client/src/transport.js';
import type { Call } from '../../client/src/wire.js';
import { CallRequestView } from './call-request-view.js';
import { SocketCallTransport, type CallRequest } from './call-transport.js';
import { CallView } from './call-view.js';
import { h } from './dom.js';
import { RefusedError, type CallSignalEvent, type SocketTransport } from './transport.js';
import type { View } from './view.js';

/** What the calls need of the chat. */
export interface CallsHost {
  /** Resolves once the visitor (and so the socket's identity) is known and the socket opening. */
  start(): Promise<void>;
  /** Opens the panel (a call rings). */
  open(): void;
  isOpen(): boolean;
  /** Shows this conversation in the panel (the calls' own, where their history lines are). */
  show(conversationId: string): void;
  /** The visitor's live calls over REST (before the socket is up). */
  activeCalls(): Promise<Call[]>;
  /** A conversation's calls over REST: how a call ended while this window was not connected. */
  callsOf(conversationId: string): Promise<Call[]>;
}

const LIVE: readonly Call['status'][] = ['requested', 'scheduled', 'ringing', 'in_progress'];
const IN_CALL: readonly CallState['phase'][] = ['connecting', 'connected', 'reconnecting'];

/**
 * Which call this tab is in, in sessionStorage: it survives a reload of the tab, and no other
 * tab reads it. Only that tab takes its call up again by itself; another tab of the visitor
 * (or a reconnect there) offers to take it instead of moving the call away silently.
 */
const KEY = 'supportWidget.inCall';
const thisTab = {
  get: () => {
    try {
      return window.sessionStorage.getItem(KEY);
    } catch {
      return null;
    }
  },
  set(callId: string | null) {
    try {
      if (callId) window.sessionStorage.setItem(KEY, callId);
      else window.sessionStorage.removeItem(KEY);
    } catch {
      // a tab without sessionStorage rejoins nothing by itself
    }
  },
};
const WAITING: readonly Call['status'][] = ['requested', 'scheduled'];
const isLive = (call: Call | null | undefined): call is Call => !!call && LIVE.includes(call.status);

/** The call that matters most of a visitor's live calls: one going, then one ringing, then a request. */
const mainCall = (calls: readonly Call[]) =>
  calls.find((c) => c.status === 'in_progress') ?? calls.find((c) => c.status === 'ringing') ?? calls.find(isLive);

/** A browser without WebRTC still chats, and may ask to be called back; it cannot take a call. */
function mediaOf(): BrowserCallMedia | { media: CallMedia; remote: MediaStream; localVideo: MediaStream } {
  try {
    if (typeof RTCPeerConnection === 'function') return new BrowserCallMedia();
  } catch {
    // below
  }
  const no = () => Promise.reject(new Error('This browser cannot make calls.'));
  const empty = () => (typeof MediaStream === 'function' ? new MediaStream() : (null as unknown as MediaStream));
  return {
    media: { openMicrophone: no, connect: () => undefined, offer: no, receive: no, setMuted: () => undefined, setVideo: no, levels: () => Promise.resolve({ local: 0, remote: 0 }), close: () => undefined },
    remote: empty(),
    localVideo: empty(),
  };
}

/**
 * The customer's side of calls in the widget: the shared CallSession over the socket, the
 * request form and the call's views, and what the chat does for them (show the calls'
 * conversation, open the panel when a call rings).
 */
export class Calls {
  private readonly session: CallSession;
  private readonly transport: SocketCallTransport;
  private readonly requestView: CallRequestView;
  private readonly callView: CallView;
  private readonly media: CallMedia;
  private shown: CallState | null = null;

  constructor(socket: SocketTransport, private readonly view: View, private readonly host: CallsHost) {
    this.transport = new SocketCallTransport(socket);
    const devices = mediaOf();
    this.media = 'media' in devices ? devices.media : devices;
    this.session = new CallSession({ side: 'customer', transport: this.transport, media: this.media });
    const id = `sw-${Math.random().toString(36).slice(2, 8)}`;
    this.requestView = new CallRequestView(id, {
      request: (input) => this.request(input),
      cancel: (callId) => this.cancel(callId),
      done: () => view.focusInput(),
    });
    this.callView = new CallView(id, devices, {
      accept: () => void this.session.accept(),
      decline: () => void this.session.decline(),
      hangUp: () => void this.session.hangUp(),
      mute: (muted) => this.session.setMuted(muted),
      video: (source) => void this.session.setVideo(source),
      close: () => {
        this.session.dismiss();
        view.focusInput();
      },
      takeOver: () => {
        const { call } = this.session.getState();
        if (call) void this.session.rejoin(call);
      },
    });
    view.addCallUi(this.requestView.button, h('div', { class: 'calls' }, ...this.requestView.elements, this.callView.element));
    this.session.subscribe(() => this.render());
    this.render();
  }

  /** Every socket (re)connect: the visitor's live calls, as the server has them now. */
  async connected(): Promise<void> {
    let calls: Call[];
    try {
      calls = await this.transport.activeCalls();
    } catch {
      return;
    }
    const { call: current, phase } = this.session.getState();
    // Ours ended while this window was away: read how, so it does not wait forever.
    if (isLive(current) && !calls.some((c) => c.id === current.id)) {
      const ended = (await this.host.callsOf(current.conversationId).catch(() => [])).find((c) => c.id === current.id);
      if (ended) this.feed(ended);
    }
    const call = mainCall(calls);
    if (!call) return;
    const idle = phase === 'idle' || phase === 'ended';
    // A reloaded tab (or one back from a long cut) takes up its call again within the rejoin window.
    if (call.status === 'in_progress' && idle && thisTab.get() === call.id) void this.session.rejoin(call);
    else this.feed(call);
  }

  updated(call: Call): void {
    this.feed(call);
  }

  signalled(event: CallSignalEvent): void {
    this.session.signalled(event);
  }

  /** The conversation a starting widget shows: that of the visitor's live call, if any (not `avoid`). */
  async liveConversation(avoid?: string): Promise<string | undefined> {
    try {
      const calls = (await this.host.activeCalls()).filter((c) => c.conversationId !== avoid);
      return mainCall(calls)?.conversationId;
    } catch {
      return undefined;
    }
  }

  dispose(): void {
    this.session.dispose();
    this.callView.dispose();
  }

  private async request(input: CallRequest): Promise<{ message: string; errors?: RefusedError['errors'] } | undefined> {
    try {
      await this.host.start();
      const { call, conversation } = await this.transport.requestCall(input);
      this.feed(call);
      this.host.show(conversation.id);
      return undefined;
    } catch (error) {
      return { message: errorMessage(error), errors: error instanceof RefusedError ? error.errors : [] };
    }
  }

  private async cancel(callId: string): Promise<string | undefined> {
    try {
      this.feed(await this.transport.cancelCall(callId));
      return undefined;
    } catch (error) {
      return errorMessage(error);
    }
  }

  /** A call's news; another call than the one whose end is shown replaces that summary. */
  private feed(call: Call): void {
    const { phase, call: shown } = this.session.getState();
    if (phase === 'ended' && shown?.id !== call.id && isLive(call)) this.session.dismiss();
    this.session.updated(call);
  }

  private render(): void {
    const state = this.session.getState();
    if (state.call && IN_CALL.includes(state.phase)) thisTab.set(state.call.id);
    else if (state.phase === 'ended' || state.error === ELSEWHERE) thisTab.set(null);
    const before = this.shown;
    this.shown = state;
    const { call, phase } = state;
    const ringing = phase === 'incoming' && before?.phase !== 'incoming';
    // A call rings, or a reloaded page takes its call up again: the panel opens on it, showing its conversation.
    if (ringing || ((phase === 'connecting' || phase === 'reconnecting') && (before?.phase === 'idle' || before?.phase === 'ended'))) {
      if (call) this.host.show(call.conversationId);
      if (!this.host.isOpen()) this.host.open();
    }
    const waiting = phase === 'idle' && call && WAITING.includes(call.status) ? call : null;
    this.requestView.render(waiting, isLive(call) || (phase !== 'idle' && phase !== 'ended'));
    this.callView.render(state);
  }
}
