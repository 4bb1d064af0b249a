import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventArrives, nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const peer = () => Math.random().toString(36).slice(2).padEnd(12, '0');
const ack = (socket: { emitWithAck(event: string, payload?: unknown): Promise<any> }, event: string, payload?: unknown) => socket.emitWithAck(event, payload);

describe('calls over REST and sockets', () => {
  it('a guest requests over REST; agents see it live and in the inbox’s pending filter', async () => {
    const agent = await person('admin', { firstName: 'Ada' });
    const { socket: agentSocket } = await server.connect({ token: agent.token });
    const guest = await request(server, '/api/support/conversation/guest', { body: {} });
    const guestId = guest.body.data.guestId as string;

    const heard = nextEvent(agentSocket, 'call:updated');
    const requested = await request(server, '/api/support/calls/request', { guestId, body: { when: 'now', note: 'Call me <b>please</b>' } });
    expect(requested.status).toBe(201);
    expect(requested.body.data.call).toMatchObject({ status: 'requested', note: 'Call me <b>please</b>' });
    expect((await heard).call.id).toBe(requested.body.data.call.id);

    const pending = await request(server, '/api/support/admin/conversations?callPending=true', { token: agent.token });
    expect(pending.status).toBe(200);
    expect(pending.body.data.conversations.map((c: { id: string }) => c.id)).toContain(requested.body.data.conversation.id);
    const bad = await request(server, '/api/support/admin/conversations?callPending=maybe', { token: agent.token });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ success: false, errors: [{ field: 'callPending' }] });

    // Bad input gets the envelope; strangers get 404 / 403 / 401.
    const again = await request(server, '/api/support/calls/request', { guestId, body: { when: 'now' } });
    expect(again.status).toBe(409);
    const wrong = await request(server, '/api/support/calls/request', { guestId, body: { when: 'later', preferredAt: 'tomorrow' } });
    expect(wrong).toMatchObject({ status: 400, body: { success: false, errors: [{ field: 'preferredAt' }] } });
    const callId = requested.body.data.call.id as string;
    const stranger = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data.guestId as string;
    expect((await request(server, `/api/support/calls/${callId}/cancel`, { guestId: stranger, body: {} })).status).toBe(404);
    expect((await request(server, `/api/support/calls/${callId}/cancel`, { body: {} })).status).toBe(401);
    const user = await person('user');
    expect((await request(server, `/api/support/admin/calls/${callId}/decline`, { token: user.token, body: { message: 'no' } })).status).toBe(403);
    expect((await request(server, `/api/support/calls/not-a-uuid/cancel`, { guestId, body: {} })).status).toBe(400);

    const cancelled = await request(server, `/api/support/calls/${callId}/cancel`, { guestId, body: {} });
    expect(cancelled.body.data.status).toBe('cancelled');
    const list = await request(server, `/api/support/conversation/${requested.body.data.conversation.id}/calls`, { guestId });
    expect(list.body.data.calls.map((c: { status: string }) => c.status)).toEqual(['cancelled']);
  });

  it('rings the guest’s socket, and signals reach the other party alone', async () => {
    const agent = await person('admin', { firstName: 'Ada' });
    const otherAgent = await person('admin');
    const { socket: agentSocket } = await server.connect({ token: agent.token });
    const { socket: otherAgentSocket } = await server.connect({ token: otherAgent.token });
    const { socket: guestSocket, identity } = await server.connect({});
    const { socket: strangerSocket } = await server.connect({});
    const conversation = await request(server, '/api/support/conversation/guest', { guestId: identity.guestId, body: {} });
    const conversationId = conversation.body.data.conversation.id as string;
    // The agent follows the conversation: signals must still not go to its room.
    await ack(agentSocket, 'conversation:join', { conversationId });
    await ack(guestSocket, 'conversation:join', { conversationId });
    await ack(strangerSocket, 'conversation:join', { conversationId }); // refused: not theirs

    const ringing = nextEvent(guestSocket, 'call:updated');
    const agentPeer = peer();
    const rung = await ack(agentSocket, 'call:ring', { conversationId, peerId: agentPeer });
    expect(rung).toMatchObject({ success: true, data: { call: { status: 'ringing', agentName: 'Ada' } } });
    const callId = rung.data.call.id as string;
    expect((await ringing).call).toMatchObject({ id: callId, status: 'ringing' });
    expect(await eventArrives(strangerSocket, 'call:updated')).toBe(false);

    const second = await ack(otherAgentSocket, 'call:ring', { conversationId, peerId: peer() });
    expect(second).toMatchObject({ success: false, message: 'A call is already going in this conversation' });

    const guestPeer = peer();
    const answered = await ack(guestSocket, 'call:answer', { callId, peerId: guestPeer });
    expect(answered.data.call.status).toBe('in_progress');

    const offerAtGuest = nextEvent(guestSocket, 'call:signal');
    const leaks = [eventArrives(agentSocket, 'call:signal'), eventArrives(otherAgentSocket, 'call:signal'), eventArrives(strangerSocket, 'call:signal')];
    expect(await ack(agentSocket, 'call:signal', { callId, peerId: agentPeer, signal: { kind: 'offer', sdp: 'v=0' } })).toMatchObject({ success: true });
    expect(await offerAtGuest).toEqual({ callId, conversationId, fromPeer: agentPeer, signal: { kind: 'offer', sdp: 'v=0' } });
    expect(await Promise.all(leaks)).toEqual([false, false, false]);

    const answerAtAgent = nextEvent(agentSocket, 'call:signal');
    const otherLeak = eventArrives(otherAgentSocket, 'call:signal');
    await ack(guestSocket, 'call:signal', { callId, peerId: guestPeer, signal: { kind: 'answer', sdp: 'v=0 answer' } });
    expect((await answerAtAgent).signal).toEqual({ kind: 'answer', sdp: 'v=0 answer' });
    expect(await otherLeak).toBe(false);

    // Strangers and bad payloads: the envelope, never a crash; nothing forwarded.
    const forged = await ack(strangerSocket, 'call:signal', { callId, peerId: guestPeer, signal: { kind: 'candidate', candidate: { candidate: 'candidate:evil' } } });
    expect(forged).toMatchObject({ success: false, message: 'Call not found' });
    expect(await ack(strangerSocket, 'call:answer', { callId, peerId: peer() })).toMatchObject({ success: false, message: 'Call not found' });
    expect(await ack(otherAgentSocket, 'call:signal', { callId, peerId: agentPeer, signal: { kind: 'offer', sdp: 'x' } })).toMatchObject({ success: false, message: 'Another agent has this call' });
    for (const payload of [null, 'x', [], { callId }, { callId, peerId: guestPeer, signal: { kind: 'offer', sdp: 'x'.repeat(40_000) } }]) {
      expect(await ack(guestSocket, 'call:signal', payload)).toMatchObject({ success: false });
    }

    const hungUp = nextEvent(agentSocket, 'call:updated');
    const ended = await ack(guestSocket, 'call:hangup', { callId });
    expect(ended.data).toMatchObject({ status: 'completed', endedBy: 'customer' });
    expect((await hungUp).call.status).toBe('completed');
  });
});
