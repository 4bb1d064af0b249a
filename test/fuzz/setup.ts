import { expect } from 'vitest';
import { mintToken, person, request, type TestServer } from '../support/server.js';
import type { Known } from './arbitraries.js';

/** Real ids and credentials on a fuzzed server, so generated calls can reach past validation. */
export async function knownThings(server: TestServer): Promise<Known & { adminToken: string; guestId: string; conversationId: string }> {
  const guest = (await request(server, '/api/support/conversation/guest', { body: { subject: 'fuzz' } })).body.data;
  const user = await person('user');
  const admin = await person('admin');
  const userConversation = (await request(server, '/api/support/conversation', { token: user.token })).body.data;
  const { socket } = await server.connect({ guestId: guest.guestId });
  const sent = await socket.timeout(5_000).emitWithAck('message:send', { conversationId: guest.conversation.id, message: 'seed' });
  expect(sent.success).toBe(true);
  socket.disconnect();
  return {
    conversationIds: [guest.conversation.id, userConversation.id],
    guestIds: [guest.guestId],
    userIds: [user.id, admin.id],
    messageIds: [sent.data.id],
    tokens: [
      user.token,
      admin.token,
      await mintToken({ expiresIn: Math.floor(Date.now() / 1000) - 3600 }),
      await mintToken({ secret: 'some-other-secret-that-is-long-enough-to-sign' }),
      await mintToken({ sub: 'not-a-uuid' }),
      // Claims of the wrong types, and claims of the right types that are odd.
      await mintToken({ role: 'admin', claims: { roles: 'admin', email: { x: 1 }, constructor: { prototype: { polluted: true } } } }),
      await mintToken({ claims: { email: `${'e'.repeat(3000)}@example.com`, firstName: 'x'.repeat(5000), lastName: 'nul\u0000byte' } }),
    ],
    adminToken: admin.token,
    guestId: guest.guestId,
    conversationId: guest.conversation.id,
  };
}

/** Records what would mean a crash in waiting: unhandled rejections and uncaught exceptions. */
export function watchProcess() {
  const problems: unknown[] = [];
  const onProblem = (reason: unknown) => void problems.push(reason);
  process.on('unhandledRejection', onProblem);
  process.on('uncaughtException', onProblem);
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onProblem);
      process.off('uncaughtException', onProblem);
    },
    /** Object.prototype as it was: no key was smuggled onto every object of the process. */
    prototypeKeys: () => Object.getOwnPropertyNames(Object.prototype).sort(),
    originalPrototypeKeys: prototypeKeys,
  };
}

/** The lines the server logged as bugs (every 500 and every failed event that was not the caller's fault). */
export const bugLines = (server: TestServer) => server.logs.filter((line) => line.includes('"unexpected error"') || line.includes('unhandled'));
