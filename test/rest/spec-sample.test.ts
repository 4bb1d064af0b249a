import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { call } from './helpers.js';

/**
 * Issue 18.4: the API document's sample widget, step by step as written, for a first-time
 * guest, and again with the three changes the README's "Coming from the API document's sample"
 * names. The server is right to refuse the first; the second must work.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function connect(auth: Record<string, unknown>): Promise<{ socket: Socket; identity: { guestId?: string } }> {
  const socket = io(`${server.url}/support`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connection:success', (identity) => resolve({ socket, identity }));
    socket.once('connect_error', reject);
  });
}

describe("the API document's sample widget, for a guest", () => {
  it('as written: its socket and its REST calls are two different guests, so it never opens', async () => {
    const stored = null; // localStorage.getItem('guestId') on a first visit
    const { socket, identity } = await connect({ guestId: stored });
    const started = await request(server, '/api/support/conversation/guest', { body: { type: 'general' } });
    expect(started.status).toBe(200);
    expect(started.body.data.guestId).not.toBe(identity.guestId); // a second guest was minted
    const join = await call(socket, 'conversation:join', { conversationId: started.body.data.conversation.id });
    expect(join).toEqual({ success: false, message: 'Conversation not found' });
    const history = await request(server, `/api/support/conversation/${started.body.data.conversation.id}/messages`); // no credentials
    expect(history.status).toBe(401);
    socket.disconnect();
  });

  it('with the three changes: one guest, history loads, and the agent’s reply arrives', async () => {
    // 1. REST first, sending the stored guest id (none yet); 2. the socket with the id it returned.
    const started = await request(server, '/api/support/conversation/guest', { body: { type: 'general', guestId: null } });
    const { guestId, conversation } = started.body.data;
    const { socket, identity } = await connect({ guestId });
    expect(identity.guestId).toBe(guestId);
    expect(await call(socket, 'conversation:join', { conversationId: conversation.id })).toMatchObject({ success: true });
    const history = await request(server, `/api/support/conversation/${conversation.id}/messages`, { headers: { 'X-Guest-Id': guestId } });
    expect(history.status).toBe(200);

    const received = new Promise<{ message: string }>((resolve) => socket.on('message:received', (m) => m.senderType === 'admin' && resolve(m)));
    const agent = await person('admin');
    const { socket: agentSocket } = await connect({ token: agent.token });
    await call(agentSocket, 'message:send', { conversationId: conversation.id, message: '<img src=x onerror=alert(1)>' });
    // 3. rendered with textContent, this is text: the server sends it exactly as written.
    expect((await received).message).toBe('<img src=x onerror=alert(1)>');

    // The next visit sends the id it kept and continues the same conversation.
    const again = await request(server, '/api/support/conversation/guest', { headers: { 'X-Guest-Id': guestId }, body: { type: 'general' } });
    expect(again.body.data).toMatchObject({ guestId, conversation: { id: conversation.id } });
    socket.disconnect();
    agentSocket.disconnect();
  });
});
