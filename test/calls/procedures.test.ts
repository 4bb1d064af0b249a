import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endOverdueCalls } from '../../src/router/calls.js';
import type { DomainEventMap } from '../../src/router/events.js';
import type { Principal } from '../../src/router/context.js';
import { codeOf, startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

const admin = (): Principal => ({ type: 'admin', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });
const user = (): Principal => ({ type: 'user', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });
const guest = (): Principal => ({ type: 'guest', id: t.services.guestIds.mint() });
const peer = () => randomUUID().replaceAll('-', '');

/** A guest's call request, and an agent who rings it. */
async function requested() {
  const customer = guest();
  const asCustomer = await t.callerFor(customer);
  const { call, conversation } = await asCustomer.calls.request({ when: 'now', note: 'About my invoice' });
  return { customer, asCustomer, call, conversation };
}

async function historyOf(conversationId: string) {
  const caller = await t.callerFor(admin());
  const page = await caller.messages.list({ conversationId, limit: 100 });
  return page.messages.filter((m) => m.messageType === 'system').map((m) => m.message);
}

function collect<K extends keyof DomainEventMap>(name: K): DomainEventMap[K][0][] {
  const seen: DomainEventMap[K][0][] = [];
  t.services.events.on(name, ((payload: DomainEventMap[K][0]) => seen.push(payload)) as never);
  return seen;
}

describe('call requests', () => {
  it('lives in the customer’s call_request conversation with a system message, one at a time', async () => {
    const { asCustomer, call, conversation } = await requested();
    expect(conversation.type).toBe('call_request');
    expect(call).toMatchObject({ status: 'requested', origin: 'customer', note: 'About my invoice', conversationId: conversation.id });
    expect(await historyOf(conversation.id)).toEqual(['Call requested: as soon as possible']);
    expect(await codeOf(asCustomer.calls.request({ when: 'now' }))).toBe('CONFLICT');
    expect((await asCustomer.calls.active()).calls.map((c) => c.id)).toEqual([call.id]);
  });

  it('shows a preferred time in the customer’s zone, and an agent’s schedule likewise', async () => {
    const asCustomer = await t.callerFor(guest());
    const at = new Date(Date.UTC(2030, 0, 15, 14, 30)).toISOString();
    const preferredAt = new Date(Date.now() + 86_400_000);
    const { call, conversation } = await asCustomer.calls.request({ when: 'later', preferredAt: preferredAt.toISOString(), timeZone: 'Asia/Tokyo', phone: '+33 6 12 34 56 78' });
    expect(call).toMatchObject({ status: 'requested', timeZone: 'Asia/Tokyo', phone: '+33 6 12 34 56 78' });
    const agent = await t.callerFor(admin());
    expect(await codeOf(agent.calls.schedule({ callId: call.id, scheduledAt: at }))).toBe('BAD_REQUEST'); // beyond 60 days
    const soon = new Date(Date.now() + 3 * 3600_000);
    const scheduled = await agent.calls.schedule({ callId: call.id, scheduledAt: soon.toISOString() });
    expect(scheduled.status).toBe('scheduled');
    const lines = await historyOf(conversation.id);
    const tokyo = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tokyo', hour: '2-digit', minute: '2-digit' }).format(soon);
    expect(lines[1]).toContain(tokyo);
    expect(lines[1]).toMatch(/^Call scheduled for .*GMT\+9/);
  });

  it('is declined with a message, called back by phone, or cancelled: each recorded once', async () => {
    const agent = await t.callerFor(admin());
    const a = await requested();
    await agent.calls.declineRequest({ callId: a.call.id, message: 'We only call on weekdays' });
    expect(await codeOf(agent.calls.declineRequest({ callId: a.call.id, message: 'again' }))).toBe('CONFLICT');
    expect(await codeOf(a.asCustomer.calls.cancel({ callId: a.call.id }))).toBe('CONFLICT');
    expect(await historyOf(a.conversation.id)).toEqual(['Call requested: as soon as possible', 'Call request declined: We only call on weekdays']);

    const b = await requested();
    expect((await agent.calls.calledBack({ callId: b.call.id })).status).toBe('completed');
    expect((await historyOf(b.conversation.id)).at(-1)).toMatch(/^Called back by phone by /);

    const c = await requested();
    await Promise.all([c.asCustomer.calls.cancel({ callId: c.call.id }).catch(() => null), c.asCustomer.calls.cancel({ callId: c.call.id }).catch(() => null)]);
    expect(await historyOf(c.conversation.id)).toEqual(['Call requested: as soon as possible', 'Call request cancelled']);
    // The next request may follow.
    expect((await c.asCustomer.calls.request({ when: 'now' })).call.status).toBe('requested');
  });

  it('refuses bad input with the fields named', async () => {
    const asCustomer = await t.callerFor(guest());
    for (const bad of [
      { when: 'later' },
      { when: 'now', preferredAt: new Date(Date.now() + 3600_000).toISOString() },
      { when: 'later', preferredAt: '2020-01-01T00:00:00.000Z' },
      { when: 'soon' },
      { timeZone: 'Mars/Olympus' },
      { phone: '<script>' },
      { note: 'x'.repeat(1001) },
      { phone: 12345 },
    ]) {
      expect(await codeOf(asCustomer.calls.request(bad as never)), JSON.stringify(bad)).toBe('BAD_REQUEST');
    }
    expect(await codeOf((await t.callerFor(admin())).calls.request({ when: 'now' }))).toBe('FORBIDDEN');
    expect(await codeOf(t.anonymous().calls.request({ when: 'now' }))).toBe('UNAUTHORIZED');
  });
});

describe('in-app calls', () => {
  it('rings, answers and hangs up, recording one line with the duration', async () => {
    const { asCustomer, call, conversation } = await requested();
    const agentPrincipal = admin();
    const agent = await t.callerFor(agentPrincipal);
    const agentPeer = peer();
    const rung = await agent.calls.ring({ conversationId: conversation.id, peerId: agentPeer });
    expect(rung.call).toMatchObject({ id: call.id, status: 'ringing', agentId: agentPrincipal.id, agentPeer });
    // The credentials are minted for this party and expire: never the secret.
    const turn = rung.connection.iceServers.find((s) => s.urls.some((u) => u.startsWith('turn:')))!;
    expect(turn.username).toMatch(new RegExp(`^\\d+:${call.id}:agent$`));
    expect(Number(turn.username!.split(':')[0])).toBeGreaterThan(Date.now() / 1000);
    expect(JSON.stringify(rung)).not.toContain('turn-secret-for-tests');

    // A second call in the same conversation is refused while this one rings.
    expect(await codeOf(agent.calls.ring({ conversationId: conversation.id, peerId: peer() }))).toBe('CONFLICT');
    expect(await codeOf((await t.callerFor(admin())).calls.ring({ conversationId: conversation.id, peerId: peer() }))).toBe('CONFLICT');

    const customerPeer = peer();
    const answered = await asCustomer.calls.answer({ callId: call.id, peerId: customerPeer });
    expect(answered.call).toMatchObject({ status: 'in_progress', customerPeer });
    expect(answered.connection.iceServers.find((s) => s.username)?.username).toMatch(/:customer$/);

    // Every change bumps the version clients order news by.
    expect(answered.call.version).toBeGreaterThan(rung.call.version);
    const ended = await asCustomer.calls.hangUp({ callId: call.id });
    expect(ended).toMatchObject({ status: 'completed', endedBy: 'customer', endReason: 'hung_up' });
    expect(ended.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(await codeOf(agent.calls.hangUp({ callId: call.id }))).toBe('CONFLICT');
    const lines = await historyOf(conversation.id);
    expect(lines.filter((l) => l.startsWith('Call with '))).toHaveLength(1);
    expect((await asCustomer.calls.list({ conversationId: conversation.id })).calls.map((c) => c.status)).toEqual(['completed']);
  });

  it('passes signals to the other party of the call alone, from the window that holds the side', async () => {
    const signals = collect('call.signal');
    const { customer, asCustomer, call, conversation } = await requested();
    const agentPrincipal = admin();
    const agent = await t.callerFor(agentPrincipal);
    const agentPeer = peer();
    await agent.calls.ring({ conversationId: conversation.id, peerId: agentPeer });
    const customerPeer = peer();
    await asCustomer.calls.answer({ callId: call.id, peerId: customerPeer });

    await agent.calls.signal({ callId: call.id, peerId: agentPeer, signal: { kind: 'offer', sdp: 'v=0 offer' } });
    await asCustomer.calls.signal({ callId: call.id, peerId: customerPeer, signal: { kind: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } } });
    const mine = signals.filter((s) => s.callId === call.id);
    expect(mine.map((s) => [s.to, s.fromPeer, s.signal.kind])).toEqual([
      [{ side: 'customer', owner: { userId: null, guestId: customer.id } }, agentPeer, 'offer'],
      [{ side: 'agent', adminId: agentPrincipal.id }, customerPeer, 'candidate'],
    ]);

    // Strangers: another guest, another user, no credentials, another agent.
    const strangers = [await t.callerFor(guest()), await t.callerFor(user())];
    for (const stranger of strangers) {
      expect(await codeOf(stranger.calls.signal({ callId: call.id, peerId: customerPeer, signal: { kind: 'offer', sdp: 'x' } }))).toBe('NOT_FOUND');
      expect(await codeOf(stranger.calls.answer({ callId: call.id, peerId: peer() }))).toBe('NOT_FOUND');
      expect(await codeOf(stranger.calls.hangUp({ callId: call.id }))).toBe('NOT_FOUND');
      expect(await codeOf(stranger.calls.ring({ conversationId: conversation.id, peerId: peer() }))).toBe('FORBIDDEN');
    }
    expect(await codeOf(t.anonymous().calls.signal({ callId: call.id, peerId: customerPeer, signal: { kind: 'offer', sdp: 'x' } }))).toBe('UNAUTHORIZED');
    const otherAgent = await t.callerFor(admin());
    expect(await codeOf(otherAgent.calls.signal({ callId: call.id, peerId: agentPeer, signal: { kind: 'offer', sdp: 'x' } }))).toBe('FORBIDDEN');
    expect(await codeOf(otherAgent.calls.hangUp({ callId: call.id }))).toBe('FORBIDDEN');
    // The customer's other window (not the one in the call) cannot signal in it.
    expect(await codeOf(asCustomer.calls.signal({ callId: call.id, peerId: peer(), signal: { kind: 'offer', sdp: 'x' } }))).toBe('CONFLICT');
    // Too big, unknown kinds, bad peers.
    for (const signal of [{ kind: 'offer', sdp: 'x'.repeat(32 * 1024 + 1) }, { kind: 'eval', code: '1' }, { kind: 'candidate', candidate: { candidate: 'x'.repeat(2000) } }, null]) {
      expect(await codeOf(asCustomer.calls.signal({ callId: call.id, peerId: customerPeer, signal } as never))).toBe('BAD_REQUEST');
    }
    expect(await codeOf(asCustomer.calls.signal({ callId: call.id, peerId: 'x/../y', signal: { kind: 'offer', sdp: 'x' } }))).toBe('BAD_REQUEST');
    expect(signals.filter((s) => s.callId === call.id)).toHaveLength(2);

    // A rejoin from a new window takes the side over: the old window is refused from then on.
    const reloaded = peer();
    const rejoined = await asCustomer.calls.join({ callId: call.id, peerId: reloaded });
    expect(rejoined.call.customerPeer).toBe(reloaded);
    expect(await codeOf(asCustomer.calls.signal({ callId: call.id, peerId: customerPeer, signal: { kind: 'offer', sdp: 'x' } }))).toBe('CONFLICT');
    await asCustomer.calls.signal({ callId: call.id, peerId: reloaded, signal: { kind: 'media', muted: true, camera: false, screen: false } });
    await agent.calls.hangUp({ callId: call.id });
  });

  it('a ring unanswered is missed, a declined ring and a lost side are recorded once', async () => {
    const agent = await t.callerFor(admin());
    // Missed: time moved past the ring's 30 s.
    const a = await requested();
    await agent.calls.ring({ conversationId: a.conversation.id, peerId: peer() });
    expect(await endOverdueCalls(t.services, new Date(Date.now() + 10_000))).toBe(0);
    const later = new Date(Date.now() + 31_000);
    const ended = await Promise.all([endOverdueCalls(t.services, later), endOverdueCalls(t.services, later)]);
    expect(ended.reduce((x, y) => x + y)).toBeGreaterThanOrEqual(1);
    expect(await codeOf(a.asCustomer.calls.answer({ callId: a.call.id, peerId: peer() }))).toBe('CONFLICT');
    expect((await historyOf(a.conversation.id)).filter((l) => l.startsWith('Missed call'))).toHaveLength(1);

    // An answer past the ring time is refused even before the sweep has marked the call missed.
    const late = await requested();
    await agent.calls.ring({ conversationId: late.conversation.id, peerId: peer() });
    await t.db.updateTable('calls').set({ rang_at: new Date(Date.now() - 31_000) }).where('id', '=', late.call.id).execute();
    expect(await codeOf(late.asCustomer.calls.answer({ callId: late.call.id, peerId: peer() }))).toBe('CONFLICT');

    // Declined by the customer.
    const b = await requested();
    await agent.calls.ring({ conversationId: b.conversation.id, peerId: peer() });
    await Promise.all([b.asCustomer.calls.decline({ callId: b.call.id }).catch(() => null), b.asCustomer.calls.decline({ callId: b.call.id }).catch(() => null)]);
    expect((await historyOf(b.conversation.id)).filter((l) => l.endsWith('declined'))).toHaveLength(1);

    // In progress, then the customer's window is gone past the rejoin window.
    const c = await requested();
    const agentPeer = peer();
    await agent.calls.ring({ conversationId: c.conversation.id, peerId: agentPeer });
    await c.asCustomer.calls.answer({ callId: c.call.id, peerId: peer() });
    await agent.calls.alive({ callId: c.call.id, peerId: agentPeer });
    await endOverdueCalls(t.services, new Date(Date.now() + 31_000));
    const [record] = (await agent.calls.list({ conversationId: c.conversation.id })).calls;
    expect(record).toMatchObject({ status: 'completed', endedBy: 'system', endReason: 'connection_lost' });
    expect((await historyOf(c.conversation.id)).at(-1)).toMatch(/^Call with .*\(connection lost\)$/);
  });

  it('an agent rings a general conversation directly; not a closed one', async () => {
    const customer = guest();
    const asCustomer = await t.callerFor(customer);
    const conversation = await asCustomer.conversations.getOrCreate({ type: 'general' });
    const agent = await t.callerFor(admin());
    const rung = await agent.calls.ring({ conversationId: conversation.id, peerId: peer() });
    expect(rung.call).toMatchObject({ origin: 'agent', status: 'ringing' });
    expect((await asCustomer.calls.active()).calls.map((c) => c.id)).toEqual([rung.call.id]);
    await agent.calls.hangUp({ callId: rung.call.id });
    expect((await historyOf(conversation.id)).at(-1)).toMatch(/cancelled before it was answered$/);
    await agent.inbox.setStatus({ conversationId: conversation.id, status: 'closed' });
    expect(await codeOf(agent.calls.ring({ conversationId: conversation.id, peerId: peer() }))).toBe('CONFLICT');
    expect(await codeOf(agent.calls.ring({ conversationId: randomUUID(), peerId: peer() }))).toBe('NOT_FOUND');
  });
});

describe('calls in data requests', () => {
  it('are exported with the conversation, and erasure keeps the record without the phone or the note', async () => {
    const { customer, asCustomer, call, conversation } = await requested();
    await asCustomer.calls.cancel({ callId: call.id });
    const second = await asCustomer.calls.request({ when: 'now', phone: '+44 20 7946 0000', note: 'My secret question' });
    const agent = await t.callerFor(admin());
    const exported = await agent.dataRequests.export({ guestId: customer.id });
    const calls = exported.conversations.find((c) => c.id === conversation.id)!.calls;
    expect(calls.map((c) => [c.status, c.phone, c.note])).toEqual([
      ['cancelled', null, 'About my invoice'],
      ['requested', '+44 20 7946 0000', 'My secret question'],
    ]);

    const told = collect('call.updated');
    await agent.dataRequests.erase({ guestId: customer.id, confirm: true });
    // The agents' consoles hear the live request end.
    expect(told.map((e) => [e.call.id, e.call.status, e.call.endReason])).toEqual([[second.call.id, 'cancelled', 'erased']]);
    const after = (await agent.calls.list({ conversationId: conversation.id })).calls;
    expect(after.map((c) => [c.status, c.phone, c.note])).toEqual([
      ['cancelled', null, null],
      ['cancelled', null, null],
    ]);
    expect(JSON.stringify(after)).not.toContain('secret');
    expect(after.find((c) => c.id === second.call.id)?.endReason).toBe('erased');
  });
});
