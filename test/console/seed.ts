import { randomUUID } from 'node:crypto';
import { request, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';

/** A customer (a guest, or a signed-in user when a token is given) with a conversation they write in. */
export async function customer(server: TestServer, options: { token?: string; subject?: string } = {}) {
  let client;
  let conversationId: string;
  if (options.token) {
    client = trpcClient(server.url, { token: options.token });
    conversationId = (await client.conversations.getOrCreate.mutate({ type: 'general' })).id;
  } else {
    const started = await request(server, '/api/support/conversation/guest', { body: options.subject ? { subject: options.subject } : {} });
    client = trpcClient(server.url, { guestId: started.body.data.guestId });
    conversationId = started.body.data.conversation.id;
  }
  return {
    conversationId,
    say: (message: string) => client.messages.send.mutate({ conversationId, message, clientMessageId: randomUUID() }),
  };
}
