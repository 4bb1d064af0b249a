import { formatCallTime, type CallPhase, type CallState } from '../../client/src/call.js';
import type { CallElements } from '../../client/browser/webrtc.js';
import type { Call } from '../../client/src/wire.js';
import { h, setText } from './dom.js';

export interface CallViewEvents {
  accept(): void;
  decline(): void;
  hangUp(): void;
  mute(muted: boolean): void;
  video(source: 'camera' | 'screen' | null): void;
  /** The summary of an ended call is closed. */
  close(): void;
  /** The visitor's call goes on in another window: take it here. */
  takeOver(): void;
}

const IN_CALL: readonly CallPhase[] = ['outgoing', 'connecting', 'connected', 'reconnecting'];
const STATUS: Partial<Record<CallPhase, string>> = {
  outgoing: 'Connecting…',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
};

/** Text that changes only when it is new: the live regions announce each change. */
const put = (el: Element, text: string) => el.textContent !== text && setText(el, text);

/** How an ended call went, in a few words. */
function summary(call: Call | null): string {
  if (!call) return '';
  if (call.status === 'completed') return `Duration ${formatCallTime(call.durationSeconds ?? 0)}${call.endReason === 'connection_lost' ? ' (connection lost)' : ''}`;
  if (call.status === 'declined') return 'Declined';
  // Rung and not answered: missed, or the agent stopped ringing first.
  return call.status === 'missed' || call.status === 'cancelled' ? 'Missed call' : '';
}

/**
 * The ring a phone makes (440 + 480 Hz, 1.2 s every 3 s), played by WebAudio while a call rings:
 * no sound file to load. A page whose visitor never interacted may keep the AudioContext
 * suspended; the ring is then only seen.
 */
class Ringer {
  private context: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;

  start(): void {
    if (this.timer !== undefined) return;
    try {
      this.context ??= new AudioContext();
    } catch {
      return;
    }
    const context = this.context;
    void context.resume().catch(() => undefined);
    const ring = () => {
      const gain = context.createGain();
      gain.gain.value = 0.06;
      gain.connect(context.destination);
      for (const frequency of [440, 480]) {
        const tone = context.createOscillator();
        tone.frequency.value = frequency;
        tone.connect(gain);
        tone.start();
        tone.stop(context.currentTime + 1.2);
      }
    };
    ring();
    this.timer = setInterval(ring, 3_000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    void this.context?.suspend().catch(() => undefined);
  }
}

/**
 * The customer's call: the incoming ring (an alert dialog), the call itself (a region with its
 * status, timer, meters, controls and the agent's media), and its end. The agent's name only
 * ever goes in as text.
 */
export class CallView {
  readonly element: HTMLDivElement;
  private readonly incoming: HTMLDivElement;
  private readonly caller: HTMLParagraphElement;
  private readonly accept: HTMLButtonElement;
  private readonly incomingError: HTMLParagraphElement;
  private readonly region: HTMLElement;
  private readonly who: HTMLSpanElement;
  private readonly status: HTMLSpanElement;
  private readonly timer: HTMLSpanElement;
  private readonly remoteState: HTMLParagraphElement;
  private readonly mediaBox: HTMLDivElement;
  /** The media elements, made for the first call (a page without calls has none). */
  private players: { audio: HTMLAudioElement; remoteVideo: HTMLVideoElement; localVideo: HTMLVideoElement } | null = null;
  private readonly live: HTMLDivElement;
  private readonly micMeter: HTMLMeterElement;
  private readonly theirMeter: HTMLMeterElement;
  private readonly mute: HTMLButtonElement;
  private readonly camera: HTMLButtonElement;
  private readonly screen: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private readonly summary: HTMLParagraphElement;
  private readonly close: HTMLButtonElement;
  /** The visitor's call is going on in another of their windows. */
  private readonly elsewhere: HTMLDivElement;
  private readonly media: CallElements;
  private state: CallState | null = null;
  private ticker: ReturnType<typeof setInterval> | undefined;
  /** The tracks the media elements were last given (empty: none). */
  private attached = '';
  private readonly ringer = new Ringer();

  constructor(id: string, media: CallElements, events: CallViewEvents) {
    const c = `${id}-call`;
    this.media = media;
    const button = (text: string, run: () => void, attrs: Record<string, string> = {}) => {
      const b = h('button', { type: 'button', ...attrs }, text);
      b.addEventListener('click', run);
      return b;
    };
    const local = () => this.state?.local ?? { muted: false, camera: false, screen: false };

    this.caller = h('p', { id: `${c}-from` });
    this.accept = button('Accept', () => events.accept(), { class: 'primary' });
    this.incomingError = h('p', { class: 'call-error', role: 'alert', hidden: true });
    this.incoming = h(
      'div',
      { class: 'bar call-in', role: 'alertdialog', 'aria-labelledby': `${c}-in`, 'aria-describedby': `${c}-from`, hidden: true },
      h('h3', { id: `${c}-in` }, 'Incoming call'),
      this.caller,
      this.incomingError,
      h('div', { class: 'call-actions' }, this.accept, button('Decline', () => events.decline(), { class: 'danger' })),
    );

    this.who = h('span', { class: 'call-who' });
    this.status = h('span', { class: 'call-status', 'aria-live': 'polite' });
    this.timer = h('span', { class: 'call-timer' });
    this.remoteState = h('p', { class: 'call-remote-state', 'aria-live': 'polite', hidden: true });
    this.mediaBox = h('div', { class: 'call-media' });
    const meter = (key: string, label: string) => {
      const m = h('meter', { id: `${c}-${key}`, min: '0', max: '1', value: '0' });
      return [h('label', { for: `${c}-${key}` }, label), m] as const;
    };
    const [micLabel, mic] = meter('mic', 'Your microphone');
    const [theirLabel, their] = meter('their', 'Their audio');
    this.micMeter = mic;
    this.theirMeter = their;
    this.mute = button('Mute', () => events.mute(!local().muted), { 'aria-pressed': 'false' });
    this.camera = button('Camera', () => events.video(local().camera ? null : 'camera'), { 'aria-pressed': 'false' });
    this.screen = button('Share screen', () => events.video(local().screen ? null : 'screen'), { 'aria-pressed': 'false' });
    // Phones and some browsers cannot share a screen at all.
    this.screen.hidden = typeof navigator.mediaDevices?.getDisplayMedia !== 'function';
    this.live = h(
      'div',
      { class: 'call-live' },
      this.mediaBox,
      h('div', { class: 'call-meters' }, h('span', {}, micLabel, mic), h('span', {}, theirLabel, their)),
      h('div', { class: 'call-actions' }, this.mute, this.camera, this.screen, button('Hang up', () => events.hangUp(), { class: 'danger' })),
    );
    this.error = h('p', { class: 'call-error', role: 'alert', hidden: true });
    this.summary = h('p', { class: 'call-summary', hidden: true });
    this.close = button('Close', () => events.close(), { class: 'secondary', hidden: 'hidden' });
    this.region = h(
      'section',
      { class: 'bar call', role: 'region', 'aria-label': 'Call', hidden: true },
      h('p', { class: 'call-top' }, this.who, this.status, this.timer),
      this.remoteState,
      this.live,
      this.error,
      this.summary,
      this.close,
    );

    this.elsewhere = h(
      'div',
      { class: 'bar call-elsewhere', role: 'status', hidden: true },
      h('p', {}, 'Your call goes on in another window.'),
      button('Take the call here', () => events.takeOver(), { class: 'secondary' }),
    );

    this.element = h('div', { class: 'call-box' }, this.incoming, this.region, this.elsewhere);
  }

  render(state: CallState): void {
    const before = this.state;
    this.state = state;
    const { phase, call } = state;
    const was = before?.phase ?? 'idle';
    const focusHere = this.hasFocus();
    const agent = call?.agentName || 'Support';
    // Answered in another of the visitor's windows: nothing to pick up here.
    const incoming = phase === 'incoming' && !(call?.status === 'in_progress' && !state.busy);
    const inCall = IN_CALL.includes(phase);
    const ended = phase === 'ended';

    this.incoming.hidden = !incoming;
    if (incoming) this.ringer.start();
    else this.ringer.stop();
    put(this.caller, `${agent} is calling`);
    this.showError(this.incomingError, incoming ? state.error : null);

    this.region.hidden = !(inCall || ended);
    this.elsewhere.hidden = !(phase === 'idle' && call?.status === 'in_progress' && !state.busy);
    put(this.who, agent);
    put(this.status, STATUS[phase] ?? '');
    this.live.hidden = !inCall;
    const { local, remote } = state;
    for (const [b, on] of [
      [this.mute, local.muted],
      [this.camera, local.camera],
      [this.screen, local.screen],
    ] as const) {
      b.setAttribute('aria-pressed', String(on));
    }
    this.micMeter.value = state.levels.local;
    this.theirMeter.value = state.levels.remote;
    const theirs = [
      remote.muted && `${agent} muted their microphone.`,
      remote.screen ? `${agent} is sharing their screen.` : remote.camera && `${agent} turned their camera on.`,
    ].filter(Boolean);
    put(this.remoteState, theirs.join(' '));
    this.remoteState.hidden = !inCall || !theirs.length;
    this.showError(this.error, inCall || ended ? state.error : null);
    put(this.summary, ended ? summary(call) : '');
    this.summary.hidden = !ended;
    this.close.hidden = !ended;

    this.tick();
    const ticking = inCall && !!call?.answeredAt;
    if (ticking && !this.ticker) this.ticker = setInterval(() => this.tick(), 1_000);
    if (!ticking) this.stopTicking();

    this.attach(inCall);
    if (this.players) {
      this.players.remoteVideo.hidden = !inCall || !(remote.camera || remote.screen);
      this.players.localVideo.hidden = !inCall || !(local.camera || local.screen);
    }
    if (inCall && phase === 'connected' && was !== 'connected') this.play();
    // Focus follows the call when it was on the call's controls (or lost with a hidden one).
    if (incoming && was !== 'incoming') this.accept.focus();
    else if (inCall && was === 'incoming' && focusHere) this.mute.focus();
    else if (ended && was !== 'ended' && focusHere) this.close.focus();
  }

  dispose(): void {
    this.ringer.stop();
    this.stopTicking();
    this.attach(false);
  }

  /**
   * The streams go into the media elements only during a call (an element waiting for a stream
   * with no tracks would hold up the host page's load event), and again whenever their tracks
   * change: Chromium's element does not take up a track added to its stream by script.
   */
  private attach(on: boolean): void {
    const { remote, localVideo } = this.media;
    const tracks = on ? [remote, localVideo].map((stream) => stream.getTracks().map((t) => t.id).join()).join('|') : '';
    if (tracks === this.attached) return;
    this.attached = tracks;
    if (on && !this.players) {
      this.players = { audio: h('audio', { autoplay: true }), remoteVideo: this.video('call-video', 'Their video'), localVideo: this.video('call-self', 'Your video') };
      this.mediaBox.append(this.players.remoteVideo, this.players.localVideo);
      // The agent's voice: outside the region, one element for the window's life.
      this.element.append(this.players.audio);
    }
    const p = this.players;
    if (!p) return;
    p.audio.srcObject = p.remoteVideo.srcObject = on ? remote : null;
    p.localVideo.srcObject = on ? localVideo : null;
    if (on) this.play();
  }

  /** Autoplay may be refused without a click (a rejoin after a reload): nothing to do then. */
  private play(): void {
    const p = this.players;
    for (const el of p ? [p.audio, p.remoteVideo, p.localVideo] : []) el.play().catch(() => undefined);
  }

  private tick(): void {
    const answeredAt = this.state?.call?.answeredAt;
    const inCall = !!this.state && IN_CALL.includes(this.state.phase);
    this.timer.hidden = !inCall || !answeredAt;
    if (inCall && answeredAt) put(this.timer, formatCallTime((Date.now() - Date.parse(answeredAt)) / 1000));
  }

  private stopTicking(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private video(cls: string, label: string): HTMLVideoElement {
    const v = h('video', { class: cls, autoplay: true, playsinline: true, muted: true, hidden: true, 'aria-label': label });
    // The attribute only sets the default: the element is muted by the property (its sound is the <audio>'s).
    v.muted = true;
    return v;
  }

  private showError(el: HTMLElement, error: string | null): void {
    el.hidden = !error;
    put(el, error ?? '');
  }

  /** Focus is on the call's controls, or nowhere (a focused button was just hidden). */
  private hasFocus(): boolean {
    const root = this.element.getRootNode() as Document | ShadowRoot;
    const active = root.activeElement;
    return (active !== null && this.element.contains(active)) || document.activeElement === document.body || document.activeElement === null;
  }
}
