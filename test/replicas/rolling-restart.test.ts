import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { canRun, REDIS_URL, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase } from '../support/server.js';

let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  scratch = await createScratchDatabase(SHARED_PG_URL);
  const env = { DATABASE_URL: scratch.url, REDIS_URL, SHUTDOWN_TIMEOUT_MS: '5000' };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill(), b?.kill()]);
  await scratch?.drop();
});

interface Client {
  guestId: string;
  conversationId: string;
  socket: Socket;
  acked: Map<string, number>; // clientMessageId -> seq
}

it.runIf(canRun('replicas'))('loses no acknowledged message when a replica is stopped with SIGTERM mid-burst', async () => {
  const clients: Client[] = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const { guestId, conversation } = ((await (await fetch(`${a.url}/api/support/conversation/guest`, { method: 'POST' })).json()) as any).data;
      const { socket } = await a.connect({ guestId });
      return { guestId, conversationId: conversation.id, socket, acked: new Map() };
    }),
  );

  const PER_CLIENT = 40;
  let failedAcks = 0;
  const sendAll = async (client: Client) => {
    for (let i = 0; i < PER_CLIENT; i++) {
      const clientMessageId = randomUUID();
      // Retry with the same id until some replica acknowledges it, as a real client would.
      for (let attempt = 0; ; attempt++) {
        const ack = await client.socket
          .timeout(3_000)
          .emitWithAck('message:send', { conversationId: client.conversationId, message: `m${i}`, clientMessageId })
          .catch(() => undefined);
        if (ack?.success) {
          client.acked.set(clientMessageId, ack.data.seq);
          break;
        }
        failedAcks++;
        if (attempt > 40) throw new Error('send never acknowledged');
        // Back off a little, then retry; once the draining replica has closed the socket, go to the other.
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 25 * 2 ** attempt)));
        if (!client.socket.connected) client.socket = (await b.connect({ guestId: client.guestId })).socket;
      }
    }
  };

  const burst = Promise.all(clients.map(sendAll));
  await new Promise((resolve) => setTimeout(resolve, 150));
  const exitCode = a.kill('SIGTERM');
  await burst;
  expect(await exitCode).toBe(0); // drained and exited cleanly
  expect(a.output.join('')).toContain('draining');

  for (const client of clients) {
    // After the restart the client resumes by sync on the surviving replica.
    const synced = await client.socket.timeout(5_000).emitWithAck('conversation:sync', { conversationId: client.conversationId, afterSeq: 0 });
    const seqs = synced.data.messages.map((m: { seq: number }) => m.seq);
    expect(client.acked.size).toBe(PER_CLIENT);
    expect(seqs).toEqual(Array.from({ length: PER_CLIENT }, (_, i) => i + 1)); // every acked message, once, no gaps
    expect(new Set(synced.data.messages.map((m: { clientMessageId: string }) => m.clientMessageId))).toEqual(new Set(client.acked.keys()));
  }
  console.log(`rolling restart: ${clients.length * PER_CLIENT} acknowledged, 0 lost, ${failedAcks} sends retried`);
});
