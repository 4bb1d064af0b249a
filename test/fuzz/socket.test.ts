import fc from 'fast-check';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { hugeString, jsonValue, materialize, nearlyValid, payload, POLLUTION_KEYS, type Known } from './arbitraries.js';
import { bugLines, knownThings, watchProcess } from './setup.js';

/**
 * Property: whatever a client emits on /support (every client event, any payload shape
 * and size, wrong types, pollution keys, binary, no acknowledgement or a callback in the
 * payload's place, events that do not exist), each acknowledgement is the envelope (a
 * failure, or a success when the input happens to be valid), no failure is a bug, the
 * socket stays connected, nothing is left as an unhandled rejection, and the server still
 * answers /healthz. The same goes for the handshake's `auth`.
 */
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 250);
const EVENTS = ['message:send', 'message:read', 'typing:start', 'typing:stop', 'conversation:join', 'conversation:leave', 'conversation:sync'];

let server: TestServer;
let known: Known & { adminToken: string; guestId: string; conversationId: string };
const watch = watchProcess();
const sockets: Record<string, Socket> = {};
const errorsSeen: { error: string; event: string; code: string }[] = [];

function open(auth: Record<string, unknown>): Promise<Socket> {
  const socket = io(`${server.url}/support`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  return new Promise((resolve, reject) => {
    socket.once('connection:success', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

beforeAll(async () => {
  server = await startTestServer();
  known = await knownThings(server);
  const [userToken, adminToken] = known.tokens;
  sockets.guest = await open({ guestId: known.guestId });
  sockets.user = await open({ token: userToken });
  sockets.admin = await open({ token: adminToken });
  for (const socket of Object.values(sockets)) socket.on('message:error', (e) => errorsSeen.push(e));
});
afterAll(async () => {
  watch.stop();
  for (const socket of Object.values(sockets)) socket.disconnect();
  await server.close();
});

/** The envelope every acknowledgement must be; a failure is never the generic bug message. */
function expectAck(event: string, input: unknown, ack: unknown): void {
  const a = ack as { success?: unknown; message?: unknown; data?: unknown };
  const shown = () => `${event} ${JSON.stringify(input)?.slice(0, 300)} → ${JSON.stringify(ack)?.slice(0, 300)}`;
  if (!a || typeof a !== 'object' || typeof a.success !== 'boolean') throw new Error(`not an envelope: ${shown()}`);
  if (a.success === false && (typeof a.message !== 'string' || a.message === '' || a.message === 'Internal server error')) {
    throw new Error(`a failed acknowledgement that is a bug: ${shown()}`);
  }
  if (a.success === true && !('data' in a)) throw new Error(`a success without data: ${shown()}`);
}

const who = fc.constantFrom('guest', 'user', 'admin');

/** The fuzzed socket, failing at once (not after an ack timeout) if an earlier run cut it. */
function connected(as: string): Socket {
  const socket = sockets[as]!;
  if (!socket.connected) throw new Error(`the ${as} socket was disconnected by an earlier event`);
  return socket;
}

/** Frames over 64 KB close the socket by design (tested on their own below): keep the draws under it. */
const frameBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');
const underFrameLimit = <T>(arbitrary: fc.Arbitrary<T>) => arbitrary.filter((value) => frameBytes(value) < 60_000);

/** Payloads: JSON-like values (pollution keys as own keys), binary, huge, or nothing. */
const anyPayload = () =>
  fc.oneof(
    { weight: 6, arbitrary: payload(known).map(materialize) },
    { weight: 6, arbitrary: nearlyValid(known).map(materialize) },
    { weight: 2, arbitrary: jsonValue(known).map(materialize) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => Buffer.from(bytes)) },
    { weight: 1, arbitrary: fc.record({ conversationId: fc.constantFrom(...known.conversationIds), message: hugeString, afterSeq: fc.integer() }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 0, '', [], {}, 'conversation', Number.MAX_SAFE_INTEGER) },
  );

describe('Socket.IO events under hostile input', () => {
  for (const event of EVENTS) {
    it(`${event}: any payload gets the envelope in its acknowledgement, never a bug, and the socket stays up`, async () => {
      const outcomes = { ok: 0, failed: 0 };
      await fc.assert(
        fc.asyncProperty(who, underFrameLimit(fc.tuple(anyPayload(), fc.array(anyPayload(), { maxLength: 2 }))), async (as, [input, extra]) => {
          const socket = connected(as);
          const ack = await socket.timeout(5_000).emitWithAck(event, input, ...extra);
          expectAck(event, input, ack);
          outcomes[(ack as { success: boolean }).success ? 'ok' : 'failed']++;
          if (!socket.connected) throw new Error(`${event} disconnected the ${as} socket`);
        }),
        { numRuns: NUM_RUNS },
      );
      console.log(`[fuzz] socket ${event}: ${NUM_RUNS} runs, ${outcomes.ok} succeeded, ${outcomes.failed} refused`);
      expect(outcomes.failed).toBeGreaterThan(0);
    }, 120_000);
  }

  it('no acknowledgement, a callback in the payload\'s place, and events that do not exist: the socket stays up', async () => {
    await fc.assert(
      fc.asyncProperty(
        who,
        fc.oneof(fc.constantFrom(...EVENTS), fc.constantFrom(...POLLUTION_KEYS, 'connect', 'disconnecting', 'newListener', 'error'), fc.string({ maxLength: 20 })),
        underFrameLimit(anyPayload()),
        fc.constantFrom('plain', 'callback-only', 'volatile'),
        async (as, event, input, style) => {
          const socket = connected(as);
          // Reserved names (connect, disconnect…) cannot be emitted by the client library: skip those draws.
          if (['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'].includes(event)) return;
          if (style === 'callback-only' && EVENTS.includes(event)) {
            // socket.emit(event, callback): the acknowledgement takes the payload's place.
            const ack = await new Promise((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error(`${event}: no acknowledgement`)), 5_000);
              socket.emit(event, (reply: unknown) => (clearTimeout(timer), resolve(reply)));
            });
            expectAck(event, undefined, ack);
          } else if (style === 'volatile') socket.volatile.emit(event, input);
          else socket.emit(event, input);
          if (!socket.connected) throw new Error(`${event} disconnected the ${as} socket`);
        },
      ),
      { numRuns: NUM_RUNS },
    );
    // Everything emitted without an acknowledgement has been handled before this round trip.
    for (const socket of Object.values(sockets)) {
      expect((await socket.timeout(5_000).emitWithAck('conversation:leave', { conversationId: known.conversationId })).success).toBe(true);
      expect(socket.connected).toBe(true);
    }
  }, 120_000);

  it('the handshake: any auth gets connection:success or a connect_error with a reason, never a hang or a crash', async () => {
    const auth = fc.oneof(
      payload(known).map(materialize),
      fc.record({ token: fc.oneof(fc.constantFrom(...known.tokens), fc.string({ maxLength: 400 }), jsonValue(known, 2).map(materialize)) }, { requiredKeys: [] }),
      fc.record({ guestId: fc.oneof(fc.constantFrom(...known.guestIds), fc.string({ maxLength: 300 }), jsonValue(known, 2).map(materialize)) }, { requiredKeys: [] }),
    );
    const outcomes = { connected: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(auth, async (a) => {
        const socket = io(`${server.url}/support`, { auth: a as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true });
        try {
          const outcome = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`handshake hung for ${JSON.stringify(a)?.slice(0, 300)}`)), 5_000);
            socket.once('connection:success', () => (clearTimeout(timer), resolve('connected')));
            // A CONNECT whose auth is not an object is malformed for Socket.IO: the server closes the transport.
            socket.io.once('close', () => (clearTimeout(timer), resolve('refused')));
            socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
              clearTimeout(timer);
              if (!error.message || error.message === 'Internal server error' || error.data?.code === 'INTERNAL_SERVER_ERROR') {
                reject(new Error(`handshake refused as a bug: ${error.message} for ${JSON.stringify(a)?.slice(0, 300)}`));
              } else resolve('refused');
            });
          });
          outcomes[outcome as 'connected' | 'refused']++;
        } finally {
          socket.disconnect();
        }
      }),
      { numRuns: NUM_RUNS },
    );
    console.log(`[fuzz] socket handshake: ${NUM_RUNS} runs, ${outcomes.connected} connected, ${outcomes.refused} refused`);
    expect(outcomes.connected).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 120_000);

  it('a frame over 64 KB closes only that socket; the others carry on', async () => {
    const victim = await open({ guestId: known.guestId });
    const closed = new Promise<string>((resolve) => victim.once('disconnect', resolve));
    victim.emit('message:send', { conversationId: known.conversationId, message: 'x'.repeat(70 * 1024) });
    expect(await closed).toBe('transport close');
    const ack = await sockets.guest!.timeout(5_000).emitWithAck('conversation:join', { conversationId: known.conversationId });
    expect(ack.success).toBe(true);
  });
});

describe('after the socket fuzzing', () => {
  it('left no unhandled rejection, no bug logged or reported, no polluted prototype, and the server answers /healthz', async () => {
    expect(watch.problems).toEqual([]);
    expect(bugLines(server)).toEqual([]);
    expect(errorsSeen.filter((e) => e.code === 'INTERNAL_SERVER_ERROR')).toEqual([]);
    expect(errorsSeen.length).toBeGreaterThan(0);
    expect(watch.prototypeKeys()).toEqual(watch.originalPrototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const socket of Object.values(sockets)) expect(socket.connected).toBe(true);
    // And it still does real work.
    const ack = await sockets.guest!.timeout(5_000).emitWithAck('message:send', { conversationId: known.conversationId, message: 'still here' });
    expect(ack).toMatchObject({ success: true, data: { message: 'still here' } });
  });
});
