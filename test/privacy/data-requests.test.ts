import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFile, uploaded, sendFiles, storedSizes, NOTHING_STORED } from '../attachments/helpers.js';
import { call, expectAdminsOnly, expectFailure, expectFieldError, guestWithConversation, userWithConversation } from '../rest/helpers.js';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';
import { openSubscription } from '../support/trpc-client.js';
import { startReceiver, waitFor } from '../webhooks/receiver.js';

/** "Give me my data" and "delete my data": exactly the customer's rows, then none of them. */
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
let user: Awaited<ReturnType<typeof userWithConversation>>;
let other: Awaited<ReturnType<typeof guestWithConversation>>;
const marker = `zebrafish${randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  server = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '100' });
  admin = await person('admin', { firstName: 'Ann' });
  user = await userWithConversation(server, { email: 'una@example.com', firstName: 'Una' });
  other = await guestWithConversation(server);
  const { socket } = await server.connect({ guestId: other.guestId });
  await call(socket, 'message:send', { conversationId: other.conversationId, message: `someone else ${marker}` });
  socket.disconnect();
});
afterAll(() => server.close());

async function guestWithHistory() {
  const guest = await guestWithConversation(server);
  const { socket } = await server.connect({ guestId: guest.guestId });
  for (const text of [`my order ${marker}`, 'my address is 1 Main St']) expect(await call(socket, 'message:send', { conversationId: guest.conversationId, message: text })).toMatchObject({ success: true });
  const file = await uploaded(server, { guestId: guest.guestId }, guest.conversationId, textFile('receipt.txt', 'paid 12.00\n'));
  expect(await sendFiles(socket, guest.conversationId, [file.id])).toMatchObject({ success: true });
  const { socket: agent } = await server.connect({ token: admin.token });
  expect(await call(agent, 'message:send', { conversationId: guest.conversationId, message: 'Thanks, looking at it' })).toMatchObject({ success: true });
  agent.disconnect();
  await request(server, `/api/support/admin/conversations/${guest.conversationId}/notes`, { token: admin.token, body: { text: 'VIP customer' } });
  return { ...guest, socket, fileId: file.id };
}

const exportOf = (body: Record<string, string>) => request(server, '/api/support/admin/data-requests/export', { token: admin.token, body });
const erase = (body: Record<string, unknown>) => request(server, '/api/support/admin/data-requests/erase', { token: admin.token, body });

describe('data requests', () => {
  it('exports exactly the customer’s rows: profile, conversations, both sides’ messages, notes and files', async () => {
    const guest = await guestWithHistory();
    const reply = await exportOf({ guestId: guest.guestId });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const document = reply.body.data;
    expect(document.subject).toEqual({ type: 'guest', id: guest.guestId });
    expect(document.conversations.map((c: { id: string }) => c.id)).toEqual([guest.conversationId]);
    const [conversation] = document.conversations;
    expect(conversation.messages.map((m: { message: string }) => m.message)).toEqual([`my order ${marker}`, 'my address is 1 Main St', '', 'Thanks, looking at it']);
    expect(conversation.notes.map((n: { text: string }) => n.text)).toEqual(['VIP customer']);
    expect(conversation.attachments.map((a: { name: string }) => a.name)).toEqual(['receipt.txt']);
    expect(JSON.stringify(document)).not.toContain('someone else');
    guest.socket.disconnect();

    const signedIn = (await exportOf({ userId: user.id })).body.data;
    expect(signedIn.profile).toMatchObject({ id: user.id, email: 'una@example.com', firstName: 'Una', erasedAt: null });
    expect(signedIn.conversations.map((c: { id: string }) => c.id)).toEqual([user.conversationId]);
  });

  it('erases a guest: texts, notes and files gone, seq and counts kept, the old id refused everywhere', async () => {
    const guest = await guestWithHistory();
    const before = (await request(server, `/api/support/conversation/${guest.conversationId}`, { token: admin.token })).body.data;
    const closedLive = nextEvent(guest.socket, 'disconnect');

    const reply = await erase({ guestId: guest.guestId, confirm: true });
    expect(reply.body).toEqual({ success: true, data: { subject: { type: 'guest', id: guest.guestId }, conversations: 1, files: 1 } });
    expect(await closedLive, 'their open socket is closed').toBe('io server disconnect');

    // The old id: refused on REST, and the socket makes a stranger of it.
    expectFailure(await request(server, `/api/support/conversation/${guest.conversationId}/messages`, { guestId: guest.guestId }), 401);
    const { socket, identity } = await server.connect({ guestId: guest.guestId });
    expect(identity.guestId).not.toBe(guest.guestId);
    expect(await call(socket, 'conversation:join', { conversationId: guest.conversationId })).toMatchObject({ success: false });
    socket.disconnect();

    // The agents' side keeps the shape: same seq, the texts empty.
    const after = (await request(server, `/api/support/conversation/${guest.conversationId}`, { token: admin.token })).body.data;
    expect(after.lastSeq).toBe(before.lastSeq);
    const history = (await request(server, `/api/support/conversation/${guest.conversationId}/messages?limit=100`, { token: admin.token })).body.data;
    expect(history.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: before.lastSeq }, (_, i) => i + 1));
    expect(history.messages.filter((m: { messageType: string }) => m.messageType !== 'system').every((m: { message: string }) => m.message === '')).toBe(true);
    expect(JSON.stringify(history)).not.toMatch(/Main St|receipt|looking at it/);
    expect((await request(server, `/api/support/admin/conversations/${guest.conversationId}/notes`, { token: admin.token })).body.data.notes).toEqual([]);
    expect(await storedSizes(server, guest.fileId)).toEqual(NOTHING_STORED);

    // Search finds only the other customer's message now (the erased conversation is closed).
    for (const status of ['open', 'closed']) {
      const found = (await request(server, `/api/support/admin/conversations?search=${marker}&status=${status}`, { token: admin.token })).body.data;
      expect(found.conversations.map((c: { id: string }) => c.id)).not.toContain(guest.conversationId);
    }
    expect(after.status).toBe('closed');

    const again = (await exportOf({ guestId: guest.guestId })).body.data;
    expect(again.profile.erasedAt).toEqual(expect.any(String));
    expect(JSON.stringify(again)).not.toMatch(new RegExp(`${marker}|Main St|VIP|receipt`));

    const audit = (await request(server, `/api/support/admin/audit-log?guestId=${encodeURIComponent(guest.guestId)}`, { token: admin.token })).body.data.entries;
    expect(audit.map((e: { action: string; actorId: string }) => [e.action, e.actorId])).toEqual([
      ['data.exported', admin.id],
      ['data.erased', admin.id],
    ]);
  });

  it('ends the erased guest’s live.conversation (and live.calls) streams, and refuses their id when it comes back; an agent’s stream stays', async () => {
    const guest = await guestWithConversation(server);
    const input = { conversationId: guest.conversationId };
    const theirs = await openSubscription(server.url, 'live.conversation', input, { guestId: guest.guestId });
    const theirCalls = await openSubscription(server.url, 'live.calls', undefined, { guestId: guest.guestId });
    const agents = await openSubscription(server.url, 'live.conversation', input, { token: admin.token });
    try {
      expect([theirs.status, theirCalls.status, agents.status]).toEqual([200, 200, 200]);
      await waitFor(() => [theirs, agents].every((s) => s.text().includes('"type":"conversation"')), 'both streams’ first event');

      expect((await erase({ guestId: guest.guestId, confirm: true })).status).toBe(200);
      const ended = new Set<unknown>();
      for (const stream of [theirs, theirCalls]) void stream.ended.then(() => ended.add(stream));
      await waitFor(() => ended.size === 2, 'the guest’s streams to end', 5_000);
      // Ended as finished, so a tRPC link does not reconnect.
      for (const stream of [theirs, theirCalls]) expect(stream.text()).toMatch(/event: return\n/);
      const stillOpen = await Promise.race([agents.ended.then(() => false), new Promise((resolve) => setTimeout(() => resolve(true), 300))]);
      expect(stillOpen, 'the agent keeps watching the conversation').toBe(true);
    } finally {
      for (const stream of [theirs, theirCalls, agents]) stream.close();
    }

    // tRPC's SSE tells a refusal in the stream (EventSource cannot read a failed answer's body), then ends it.
    const again = await openSubscription(server.url, 'live.conversation', input, { guestId: guest.guestId });
    await again.ended;
    expect(again.text()).toMatch(/event: serialized-error\ndata: .*"code":"UNAUTHORIZED","httpStatus":401/);
  });

  it('sends no webhook with an erased customer’s text, even one queued before the erasure', async () => {
    let accepting = false;
    const receiver = await startReceiver(() => (accepting ? 200 : 503));
    const endpoint = (await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: receiver.url, events: ['message.created'] } })).body.data;
    const guest = await guestWithConversation(server);
    const { socket } = await server.connect({ guestId: guest.guestId });
    await call(socket, 'message:send', { conversationId: guest.conversationId, message: `secret ${marker}` });
    await waitFor(() => receiver.received.length > 0, 'a failed first attempt');
    expect((await erase({ guestId: guest.guestId, confirm: true })).status).toBe(200);
    accepting = true;
    const test = await request(server, `/api/support/admin/webhooks/${endpoint.id}/test`, { method: 'POST', token: admin.token, body: {} });
    await waitFor(() => receiver.accepted().some((r) => r.id === test.body.data.deliveryId), 'the test event after the erasure');
    expect(JSON.stringify(receiver.accepted())).not.toContain(marker);
    await request(server, `/api/support/admin/webhooks/${endpoint.id}`, { method: 'DELETE', token: admin.token });
    await receiver.close();
  });

  it('erases a signed-in user’s profile fields and texts, and their still-valid token does not write them back', async () => {
    const reply = await erase({ userId: user.id, confirm: true });
    expect(reply.status).toBe(200);
    // The same token comes back (its claims carry the email and name): nothing is stored again.
    expect((await request(server, '/api/support/conversation', { token: user.token })).status).toBe(200);
    const { socket } = await server.connect({ token: user.token });
    socket.disconnect();
    const document = (await exportOf({ userId: user.id })).body.data;
    expect(document.profile).toMatchObject({ email: null, firstName: null, lastName: null, erasedAt: expect.any(String) });
    expect(JSON.stringify(document)).not.toContain('una@example.com');
  });

  it('answers admins only, and bad input with a 400 or a 404', async () => {
    // By user id: a guestId at the top of a body is also a guest's credentials (as on every path),
    // so a caller without a token naming a guest is that guest, refused with 403.
    const someone = await userWithConversation(server);
    await expectAdminsOnly(
      server,
      [
        { method: 'POST', path: '/api/support/admin/data-requests/export', body: { userId: someone.id } },
        { method: 'GET', path: '/api/support/admin/audit-log' },
        { method: 'POST', path: '/api/support/admin/data-requests/erase', body: { userId: someone.id, confirm: true } },
      ],
      { admin: { token: admin.token }, user: { token: (await userWithConversation(server)).token }, guest: { guestId: other.guestId } },
      new RegExp(marker),
    );
    expectFieldError(await exportOf({}), 'userId');
    expectFieldError(await exportOf({ userId: user.id, guestId: other.guestId }), 'userId');
    expectFieldError(await exportOf({ userId: 'not-a-uuid' }), 'userId');
    expectFieldError(await erase({ guestId: other.guestId }), 'confirm');
    expectFieldError(await erase({ guestId: other.guestId, confirm: 'yes' }), 'confirm');
    expectFailure(await exportOf({ userId: admin.id }), 404);
    expectFailure(await exportOf({ guestId: 'guest_1_nope' }), 404);
    expectFailure(await erase({ userId: randomUUID(), confirm: true }), 404);
    expectFieldError(await request(server, '/api/support/admin/audit-log?limit=0', { token: admin.token }), 'limit');
    // Nothing of the other guest was touched by any of it.
    const history = (await request(server, `/api/support/conversation/${other.conversationId}/messages`, { guestId: other.guestId })).body.data;
    expect(history.messages[0].message).toBe(`someone else ${marker}`);
  });
});
