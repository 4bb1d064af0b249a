import { describe, expect, it } from 'vitest';
import { CallSession, ELSEWHERE, formatCallTime, MICROPHONE_REFUSED, type CallMedia, type CallTransport, type JoinedCall, type MediaPathState } from '../../client/src/index.js';
import type { Call, Signal } from '../../client/src/wire.js';
import { FakeClock } from './fakes.js';

const CALL = '00000000-0000-4000-8000-00000000c001';
const connection = { iceServers: [], iceTransportPolicy: 'all' as const };
let clockTime = 1_700_000_000_000;

function call(fields: Partial<Call> = {}): Call {
  clockTime += 1000;
  return {
    id: CALL, conversationId: '00000000-0000-4000-8000-000000000001', status: 'ringing', origin: 'agent',
    preferredAt: null, timeZone: null, phone: null, note: null, scheduledAt: null, declineMessage: null,
    agentId: 'agent-1', agentName: 'Ada', agentPeer: 'agentpeer1', customerPeer: null,
    rangAt: new Date(clockTime).toISOString(), answeredAt: null, endedAt: null, endedBy: null, endReason: null,
    durationSeconds: null, version: clockTime, createdAt: new Date(clockTime).toISOString(), updatedAt: new Date(clockTime).toISOString(),
    ...fields,
  };
}

/** The media as the session drives it: every call recorded, signals and path states pushed by the test. */
class FakeMedia implements CallMedia {
  log: string[] = [];
  refuse = false;
  events: { signal(signal: Signal): void; state(state: MediaPathState): void } | null = null;
  async openMicrophone() {
    this.log.push('microphone');
    if (this.refuse) throw new Error('Permission denied');
  }
  connect(_: unknown, events: FakeMedia['events']) {
    this.log.push('connect');
    this.events = events;
  }
  async offer() {
    this.log.push('offer');
    this.events!.signal({ kind: 'offer', sdp: 'o' });
  }
  async receive(signal: Exclude<Signal, { kind: 'media' }>) {
    this.log.push(`receive ${signal.kind}`);
    if (signal.kind === 'offer') this.events!.signal({ kind: 'answer', sdp: 'a' });
  }
  setMuted(muted: boolean) {
    this.log.push(`muted ${muted}`);
  }
  async setVideo(source: string | null) {
    this.log.push(`video ${source}`);
  }
  async levels() {
    return { local: 0.5, remote: 0.25 };
  }
  close() {
    this.log.push('close');
  }
}

class FakeTransport implements CallTransport {
  sent: { peerId: string; signal: Signal }[] = [];
  calls: string[] = [];
  constructor(private readonly answers: Partial<Record<keyof CallTransport, () => Call>> = {}) {}
  private joined(name: keyof CallTransport, fallback: Partial<Call>, peerId: string): Promise<JoinedCall> {
    this.calls.push(name);
    return Promise.resolve({ call: this.answers[name]?.() ?? call({ ...fallback, ...(name === 'ring' ? { agentPeer: peerId } : { customerPeer: peerId }) }), connection });
  }
  ring = (_: string, peerId: string) => this.joined('ring', { status: 'ringing' }, peerId);
  answer = (_: string, peerId: string) => this.joined('answer', { status: 'in_progress', answeredAt: new Date().toISOString() }, peerId);
  join = (_: string, peerId: string) => this.joined('join', { status: 'in_progress' }, peerId);
  decline = async () => (this.calls.push('decline'), call({ status: 'declined', endReason: 'declined' }));
  hangUp = async () => (this.calls.push('hangUp'), call({ status: 'completed', endReason: 'hung_up', durationSeconds: 5 }));
  alive = async () => this.calls.push('alive');
  signal = async (_: string, peerId: string, signal: Signal) => void this.sent.push({ peerId, signal });
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function customer(transport = new FakeTransport(), media = new FakeMedia()) {
  const clock = new FakeClock();
  let n = 0;
  const session = new CallSession({ side: 'customer', transport, media, clock, newPeerId: () => `customerpeer${++n}` });
  return { session, transport, media, clock };
}

describe('CallSession, the customer’s side', () => {
  it('rings, answers the agent’s offer, takes candidates that came early, and shows the agent’s media state', async () => {
    const { session, transport, media } = customer();
    session.updated(call({ status: 'requested', origin: 'customer', rangAt: null }));
    expect(session.getState().phase).toBe('idle');
    session.updated(call());
    expect(session.getState()).toMatchObject({ phase: 'incoming', call: { agentName: 'Ada' } });

    expect(await session.accept()).toBe(true);
    expect(session.getState().phase).toBe('connecting');
    expect(media.log).toEqual(['microphone']);
    // A candidate before the offer waits for it.
    session.signalled({ callId: CALL, fromPeer: 'agentpeer1', signal: { kind: 'candidate', candidate: { candidate: 'c1' } } });
    session.signalled({ callId: CALL, fromPeer: 'agentpeer1', signal: { kind: 'offer', sdp: 'o' } });
    await flush();
    expect(media.log.slice(1)).toEqual(['connect', 'receive offer', 'receive candidate']);
    await flush();
    expect(transport.sent.map((s) => [s.peerId, s.signal.kind])).toEqual([['customerpeer1', 'answer']]);

    media.events!.state('connected');
    expect(session.getState().phase).toBe('connected');
    session.signalled({ callId: CALL, fromPeer: 'agentpeer1', signal: { kind: 'media', muted: true, camera: false, screen: false } });
    expect(session.getState().remote).toEqual({ muted: true, camera: false, screen: false });
    // Another call's signals are not this one's.
    session.signalled({ callId: 'other', fromPeer: 'x', signal: { kind: 'media', muted: false, camera: true, screen: false } });
    expect(session.getState().remote.camera).toBe(false);
  });

  it('takes an offer that comes before its own answer is acknowledged', async () => {
    const transport = new FakeTransport();
    const { session, media } = customer(transport);
    const slow = transport.answer;
    let release: () => void = () => {};
    transport.answer = (callId, peerId) => new Promise((resolve) => (release = () => resolve(slow(callId, peerId)))) as never;
    session.updated(call());
    const accepting = session.accept();
    await flush();
    session.signalled({ callId: CALL, fromPeer: 'agentpeer1', signal: { kind: 'offer', sdp: 'o' } });
    release();
    await accepting;
    await flush();
    expect(media.log).toEqual(['microphone', 'connect', 'receive offer']);
    expect(transport.sent.map((s) => s.signal.kind)).toEqual(['answer']);
  });

  it('keeps ringing with a clear message when the microphone is refused', async () => {
    const media = new FakeMedia();
    media.refuse = true;
    const { session, transport } = customer(new FakeTransport(), media);
    session.updated(call());
    expect(await session.accept()).toBe(false);
    expect(session.getState()).toMatchObject({ phase: 'incoming', error: MICROPHONE_REFUSED });
    expect(transport.calls).toEqual([]);
    expect(await session.decline()).toBe(true);
    expect(session.getState()).toMatchObject({ phase: 'ended', call: { status: 'declined' } });
  });

  it('ends when the call ends elsewhere (missed, hung up), and forgets it on dismiss', async () => {
    const { session, media } = customer();
    session.updated(call());
    session.updated(call({ status: 'missed', endReason: 'no_answer' }));
    expect(session.getState().phase).toBe('ended');
    session.dismiss();
    expect(session.getState()).toMatchObject({ phase: 'idle', call: null });
    // An older state of a call never overwrites a newer one.
    const newer = call();
    const older = { ...call(), version: 0 };
    session.updated(newer);
    session.updated(older);
    expect(session.getState().call?.version).toBe(newer.version);
    expect(media.log).toContain('close');
  });

  it('sends keep-alives and level readings while in a call, and stops after', async () => {
    const { session, transport, clock } = customer();
    session.updated(call());
    await session.accept();
    clock.advance(5_000);
    await flush();
    expect(transport.calls.filter((c) => c === 'alive')).toHaveLength(1);
    expect(session.getState().levels).toEqual({ local: 0.5, remote: 0.25 });
    await session.hangUp();
    expect(session.getState()).toMatchObject({ phase: 'ended', call: { status: 'completed' } });
    clock.advance(20_000);
    expect(transport.calls.filter((c) => c === 'alive')).toHaveLength(1);
  });
});

describe('CallSession, one side in two windows', () => {
  it('lets go of a ring another tab answered, and of a call another window rejoined', async () => {
    const { session, media } = customer();
    session.updated(call());
    expect(session.getState().phase).toBe('incoming');
    session.updated(call({ status: 'in_progress', customerPeer: 'anothertab1' }));
    expect(session.getState()).toMatchObject({ phase: 'idle', error: null });

    const second = customer();
    second.session.updated(call());
    await second.session.accept();
    expect(second.session.getState().phase).toBe('connecting');
    // Its own answer, heard back: still its call.
    second.session.updated(call({ status: 'in_progress', customerPeer: 'customerpeer1' }));
    expect(second.session.getState().phase).toBe('connecting');
    second.session.updated(call({ status: 'in_progress', customerPeer: 'anothertab2' }));
    expect(second.session.getState()).toMatchObject({ phase: 'idle', error: ELSEWHERE });
    expect(second.media.log).toContain('close');
    // It may take the call back.
    expect(await second.session.rejoin(second.session.getState().call!)).toBe(true);
    expect(second.transport.calls).toContain('join');
    void media;
  });

  it('sends no signal queued before its window left the call', async () => {
    const { session, transport, media } = customer();
    session.updated(call());
    await session.accept();
    // The first signal's request hangs; a candidate queues behind it; then the window hangs up.
    let release: () => void = () => {};
    const send = transport.signal;
    transport.signal = (callId, peerId, signal) => (signal.kind === 'answer' ? new Promise<void>((resolve) => (release = resolve)).then(() => send(callId, peerId, signal)) : send(callId, peerId, signal));
    session.signalled({ callId: CALL, fromPeer: 'agentpeer1', signal: { kind: 'offer', sdp: 'o' } });
    await flush();
    media.events!.signal({ kind: 'candidate', candidate: { candidate: 'queued' } });
    await session.hangUp();
    release();
    await flush();
    await flush();
    expect(transport.sent.map((s) => s.signal.kind)).toEqual(['answer']);
  });
});

describe('CallSession, the agent’s side', () => {
  it('offers once the customer answers, and again to a customer window that rejoined', async () => {
    const clock = new FakeClock();
    const transport = new FakeTransport();
    const media = new FakeMedia();
    const session = new CallSession({ side: 'agent', transport, media, clock, newPeerId: () => 'agentpeer1' });
    // Calls it did not ring are not its business.
    session.updated(call());
    expect(session.getState().phase).toBe('idle');

    expect(await session.ring('conversation')).toBe(true);
    expect(session.getState().phase).toBe('outgoing');
    session.updated(call({ status: 'in_progress', customerPeer: 'customerpeer1' }));
    await flush();
    expect(media.log).toEqual(['microphone', 'connect', 'offer']);
    expect(transport.sent.map((s) => s.signal.kind)).toEqual(['offer']);
    session.signalled({ callId: CALL, fromPeer: 'customerpeer1', signal: { kind: 'answer', sdp: 'a' } });
    // A candidate from a window that is not the customer's current one is held, not used.
    session.signalled({ callId: CALL, fromPeer: 'stale', signal: { kind: 'candidate', candidate: { candidate: 'c' } } });
    await flush();
    expect(media.log.slice(3)).toEqual(['receive answer']);

    session.setMuted(true);
    await flush();
    expect(transport.sent.at(-1)?.signal).toEqual({ kind: 'media', muted: true, camera: false, screen: false });

    // The customer reloaded: their new window gets a new offer on a new connection.
    session.updated(call({ status: 'in_progress', customerPeer: 'customerpeer2' }));
    await flush();
    expect(media.log.slice(-2)).toEqual(['connect', 'offer']);

    // A failed path starts over after a moment.
    media.events!.state('failed');
    expect(session.getState().phase).toBe('reconnecting');
    clock.advance(2_000);
    await flush();
    expect(media.log.slice(-2)).toEqual(['connect', 'offer']);
  });

  it('offers when the answer is heard before its own ring is acknowledged', async () => {
    const transport = new FakeTransport();
    const media = new FakeMedia();
    const session = new CallSession({ side: 'agent', transport, media, clock: new FakeClock(), newPeerId: () => 'agentpeer9' });
    const ring = transport.ring;
    let release: () => void = () => {};
    const rung = call({ agentPeer: 'agentpeer9' });
    transport.ring = (conversationId, peerId) => new Promise((resolve) => (release = () => resolve(ring(conversationId, peerId).then((j) => ({ ...j, call: rung })))));
    const ringing = session.ring('conversation');
    await flush();
    session.updated(call({ status: 'in_progress', agentPeer: 'agentpeer9', customerPeer: 'customerpeer1' }));
    release();
    await ringing;
    await flush();
    expect(session.getState().call?.status).toBe('in_progress');
    expect(media.log).toEqual(['microphone', 'connect', 'offer']);
  });

  it('shows the server’s refusal of a ring and stays idle', async () => {
    const transport = new FakeTransport();
    transport.ring = async () => {
      throw new Error('A call is already going in this conversation');
    };
    const session = new CallSession({ side: 'agent', transport, media: new FakeMedia(), clock: new FakeClock() });
    const media = (session as unknown as { media: FakeMedia }).media;
    expect(await session.ring('conversation')).toBe(false);
    expect(session.getState()).toMatchObject({ phase: 'idle', error: 'A call is already going in this conversation' });
    // The microphone it opened to ring is off again.
    expect(media.log).toEqual(['microphone', 'close']);
  });
});

describe('formatCallTime', () => {
  it('reads m:ss, and h:mm:ss past an hour', () => {
    expect([0, 7, 65, 192, 3_600, 3_725].map(formatCallTime)).toEqual(['0:00', '0:07', '1:05', '3:12', '1:00:00', '1:02:05']);
  });
});
