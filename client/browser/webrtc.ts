import type { CallMedia, MediaPathState } from '../src/call.js';
import type { CallConnection, Signal } from '../src/wire.js';

/** Where a view shows the call: the other side's audio and video, and this side's own video. */
export interface CallElements {
  remote: MediaStream;
  localVideo: MediaStream;
}

/**
 * The browser's half of a call (the widget and the console share it): the microphone, camera
 * and screen, one RTCPeerConnection at a time, and the levels for the meters from getStats.
 * Audio and video are both negotiated from the start (video sending nothing until the camera
 * or the screen is turned on), so turning video on and off needs no new offer.
 */
export class BrowserCallMedia implements CallMedia {
  /** The other side's tracks; a view sets it as its media elements' srcObject. */
  readonly remote = new MediaStream();
  /** This side's video (camera or screen), for a preview. */
  readonly localVideo = new MediaStream();
  private microphone: MediaStreamTrack | null = null;
  private video: MediaStreamTrack | null = null;
  private pc: RTCPeerConnection | null = null;
  private muted = false;
  /** Candidates that came before the remote description they belong to. */
  private early: RTCIceCandidateInit[] = [];

  constructor(private readonly devices: Pick<MediaDevices, 'getUserMedia' | 'getDisplayMedia'> = navigator.mediaDevices) {}

  async openMicrophone(): Promise<void> {
    if (this.microphone?.readyState === 'live') return;
    if (!this.devices?.getUserMedia) throw new Error('This browser cannot make calls (no microphone access; calls need https).');
    const stream = await this.devices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    this.microphone = stream.getAudioTracks()[0] ?? null;
    if (!this.microphone) throw new Error('No microphone found.');
    this.microphone.enabled = !this.muted;
  }

  connect(connection: CallConnection, events: { signal(signal: Signal): void; state(state: MediaPathState): void }): void {
    this.closePeer();
    const pc = new RTCPeerConnection({ iceServers: connection.iceServers, iceTransportPolicy: connection.iceTransportPolicy });
    this.pc = pc;
    this.early = [];
    pc.onicecandidate = ({ candidate }) => {
      if (candidate && pc === this.pc) events.signal({ kind: 'candidate', candidate: candidate.toJSON() as never });
    };
    pc.onconnectionstatechange = () => {
      if (pc !== this.pc) return;
      const state = pc.connectionState;
      if (state === 'connected' || state === 'disconnected' || state === 'failed' || state === 'connecting') events.state(state);
    };
    pc.ontrack = ({ track }) => {
      for (const old of this.remote.getTracks().filter((t) => t.kind === track.kind)) this.remote.removeTrack(old);
      this.remote.addTrack(track);
    };
    this.pendingSignal = events.signal;
  }

  private pendingSignal: ((signal: Signal) => void) | null = null;

  async offer(): Promise<void> {
    const pc = this.requirePeer();
    pc.addTransceiver(this.microphone ?? 'audio', { direction: 'sendrecv' });
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    if (this.video) await video.sender.replaceTrack(this.video);
    await pc.setLocalDescription(await pc.createOffer());
    this.pendingSignal?.({ kind: 'offer', sdp: pc.localDescription!.sdp });
  }

  async receive(signal: Exclude<Signal, { kind: 'media' }>): Promise<void> {
    const pc = this.requirePeer();
    if (signal.kind === 'candidate') {
      if (!pc.remoteDescription) this.early.push(signal.candidate as RTCIceCandidateInit);
      else await pc.addIceCandidate(signal.candidate as RTCIceCandidateInit);
      return;
    }
    await pc.setRemoteDescription({ type: signal.kind, sdp: signal.sdp });
    for (const candidate of this.early.splice(0)) await pc.addIceCandidate(candidate).catch(() => undefined);
    if (signal.kind === 'offer') {
      // Send on the transceivers the offer made: our microphone on its audio, our video (if on) on its video.
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.receiver.track.kind;
        transceiver.direction = 'sendrecv';
        await transceiver.sender.replaceTrack(kind === 'audio' ? this.microphone : this.video);
      }
      await pc.setLocalDescription(await pc.createAnswer());
      this.pendingSignal?.({ kind: 'answer', sdp: pc.localDescription!.sdp });
    }
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    if (this.microphone) this.microphone.enabled = !muted;
  }

  async setVideo(source: 'camera' | 'screen' | null): Promise<void> {
    let track: MediaStreamTrack | null = null;
    if (source === 'camera') track = (await this.devices.getUserMedia({ video: { width: 640, height: 360 } })).getVideoTracks()[0] ?? null;
    if (source === 'screen') track = (await this.devices.getDisplayMedia({ video: true })).getVideoTracks()[0] ?? null;
    this.video?.stop();
    for (const old of this.localVideo.getTracks()) this.localVideo.removeTrack(old);
    this.video = track;
    if (track) this.localVideo.addTrack(track);
    const sender = this.pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video')?.sender;
    await sender?.replaceTrack(track);
  }

  /** The meters: this side's microphone (its level when muted is 0) and the other side's audio. */
  async levels(): Promise<{ local: number; remote: number }> {
    const pc = this.pc;
    if (!pc) return { local: 0, remote: 0 };
    let local = 0;
    let remote = 0;
    (await pc.getStats()).forEach((report: { type: string; kind?: string; audioLevel?: number }) => {
      if (report.kind !== 'audio') return;
      if (report.type === 'media-source') local = report.audioLevel ?? 0;
      if (report.type === 'inbound-rtp') remote = report.audioLevel ?? 0;
    });
    return { local: this.muted ? 0 : local, remote };
  }

  close(): void {
    this.closePeer();
    this.microphone?.stop();
    this.microphone = null;
    this.video?.stop();
    this.video = null;
    for (const track of [...this.remote.getTracks(), ...this.localVideo.getTracks()]) {
      this.remote.removeTrack(track);
      this.localVideo.removeTrack(track);
    }
    this.muted = false;
  }

  private closePeer(): void {
    this.pc?.close();
    this.pc = null;
    this.pendingSignal = null;
  }

  private requirePeer(): RTCPeerConnection {
    if (!this.pc) throw new Error('Not connected');
    return this.pc;
  }
}
