import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConversationState } from '../../client/src/index.js';
import { openConversation } from '../../examples/trpc-session.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';

let server: TestServer;
let admin: { id: string; token: string };
const opened: { close(): void }[] = [];
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin', { firstName: 'Ann' });
});
afterAll(async () => {
  opened.forEach((o) => o.close());
  await server?.close();
});

async function until(read: () => ConversationState, condition: (state: ConversationState) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition(read())) {
    if (Date.now() > deadline) throw new Error(`timed out in state ${JSON.stringify(read())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The client core against a real server, over the transport the agents' console would use. */
describe('ConversationSession over tRPC (examples/trpc-session.ts)', () => {
  it('catches up, sends, hears the guest live, marks read, and fails a send once the conversation is closed', async () => {
    const { guestId, conversation } = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
    const guest = trpcClient(server.url, { guestId });
    await guest.messages.send.mutate({ conversationId: conversation.id, message: 'Hello?' });

    const agent = trpcClient(server.url, { token: admin.token });
    const open = openConversation(agent, conversation.id);
    opened.push(open);
    const { session } = open;
    await until(session.getState, (s) => s.ready);
    expect(session.getState().messages.map((m) => m.message)).toEqual(['Hello?']);
    expect(session.getState().unread).toBe(1);

    session.send('Hi, how can I help?');
    await until(session.getState, (s) => s.outbox.length === 0 && s.messages.length === 2);
    const reply = session.getState().messages[1]!;
    expect(reply).toMatchObject({ seq: 2, senderType: 'admin', message: 'Hi, how can I help?' });

    await guest.messages.send.mutate({ conversationId: conversation.id, message: 'My order is late' });
    await until(session.getState, (s) => s.messages.length === 3);

    session.setVisible(true);
    await until(session.getState, (s) => s.unread === 0);
    // The guest's two messages are read now; the agent's reply waits for the guest.
    const readFlags = async () => (await guest.messages.list.query({ conversationId: conversation.id })).messages.map((m) => m.isRead);
    await expect.poll(readFlags).toEqual([true, false, true]);

    await agent.inbox.setStatus.mutate({ conversationId: conversation.id, status: 'closed' });
    session.send('Anything else?');
    await until(session.getState, (s) => s.outbox[0]?.state === 'failed');
    expect(session.getState()).toMatchObject({ ended: 'Conversation is closed', outbox: [expect.objectContaining({ error: 'Conversation is closed' })] });
  });
});
