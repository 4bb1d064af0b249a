import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, reportError } from '../../src/router/errors.js';
import { TRPCError } from '@trpc/server';
import { call, collect, guestSession, until } from '../realtime/helpers.js';
import { createScratchDatabase, person, request, startTestServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/** What `pg` throws when the database goes away, as seen through tRPC's wrapper (its `cause`). */
const wrapped = (cause: unknown) => new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: cause as Error });
const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('the map from database failures to 503', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', syscall: 'connect' })],
    ['a lost connection', pgError('Connection terminated unexpectedly')],
    ['a connection cut by the client', pgError('Connection terminated')],
    ['no pooled connection in time', pgError('timeout exceeded when trying to connect')],
    ['a broken client', pgError('Client has encountered a connection error and is not queryable')],
    ['a query left unanswered past query_timeout', pgError('Query read timeout')],
    ['an administrator terminating the backend (57P01)', pgError('terminating connection due to administrator command', '57P01')],
    ['a crash shutdown (57P02)', pgError('terminating connection because of crash of another server process', '57P02')],
    ['a database starting up (57P03)', pgError('the database system is starting up', '57P03')],
    ['a connection exception (08006)', pgError('connection failure', '08006')],
    ['every address refusing', Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'connect failed'))],
  ])('answers %s with 503 SERVICE_UNAVAILABLE, raw or wrapped by tRPC', (_, error) => {
    for (const thrown of [error, wrapped(error)]) {
      const report = reportError(thrown);
      expect(report).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE', unexpected: false, retryAfterSeconds: 1 });
      expect(report.body).toEqual({ success: false, message: 'Service temporarily unavailable, retry shortly' });
    }
  });

  it.each([
    ['a unique violation (23505)', pgError('duplicate key value violates unique constraint', '23505')],
    ['a syntax error (42601)', pgError('syntax error at or near "x"', '42601')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a tRPC code that happens to look numeric', new TRPCError({ code: 'NOT_FOUND', message: '08001' })],
  ])('keeps %s out of it', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(reportError(wrapped(error)).status).not.toBe(503);
  });
});

/**
 * A real outage needs a real PostgreSQL between the server and its data: this block is
 * registered only when DATABASE_URL is set (CI's PostgreSQL job). The embedded PGlite lives
 * inside the process, so it cannot become unreachable while the process is up; scenario 3
 * (database-loss.test.ts) kills the whole process for it instead.
 */
const postgresUrl = process.env.DATABASE_URL;
if (postgresUrl) describe('while PostgreSQL is unreachable', () => {
  const base = postgresUrl;
  const target = new URL(base);
  let proxy: TcpProxy;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: TestServer;

  beforeAll(async () => {
    scratch = await createScratchDatabase(base);
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    server = await startTestServer({ DATABASE_URL: proxy.urlFor(scratch.url) });
  });
  afterAll(async () => {
    await proxy.start().catch(() => {});
    await server?.close();
    await proxy.stop();
    await scratch?.drop();
  });

  it('answers 503 fast on REST, tRPC and message:send, stays up, and serves again when it returns', async () => {
    const guest = await guestSession(server);
    const user = await person('user');
    const errors = collect(guest.socket, 'message:error');
    const first = await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'before', clientMessageId: randomUUID() });
    expect(first.success).toBe(true);

    await proxy.stop();

    const started = Date.now();
    const history = await request(server, `/api/support/conversation/${guest.conversationId}/messages`, { guestId: guest.guestId });
    expect(history.status).toBe(503);
    expect(history.body).toEqual({ success: false, message: 'Service temporarily unavailable, retry shortly' });
    expect(history.headers.get('retry-after')).toBe('1');
    expect((await request(server, '/api/support/conversation', { token: user.token })).status).toBe(503);
    expect((await request(server, '/api/support/conversation/guest', { body: {} })).status).toBe(503);
    const trpc = await request(server, `/trpc/messages.list?input=${encodeURIComponent(JSON.stringify({ conversationId: guest.conversationId }))}`, {
      guestId: guest.guestId,
    });
    expect(trpc.status).toBe(503);

    const pending = { conversationId: guest.conversationId, message: 'during the outage', clientMessageId: randomUUID() };
    const failed = await call(guest.socket, 'message:send', pending);
    expect(failed).toEqual({ success: false, message: 'Service temporarily unavailable, retry shortly' });
    await until(() => errors.length > 0, 'message:error');
    expect(errors).toEqual([{ error: 'Service temporarily unavailable, retry shortly', event: 'message:send', code: 'SERVICE_UNAVAILABLE' }]);
    // Fail fast: a refused database answers at once, far from any client timeout.
    expect(Date.now() - started).toBeLessThan(3_000);

    // A user's socket needs the database to record the profile: refused with a retryable reason.
    const refused = await server.connect({ token: user.token }).catch((error: { message: string; data?: unknown }) => error);
    expect(refused).toMatchObject({ message: 'Service temporarily unavailable, retry shortly', data: { code: 'SERVICE_UNAVAILABLE', status: 503 } });

    expect(guest.socket.connected).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    // Nothing was logged as a bug.
    expect(server.logs.filter((line) => line.includes('unexpected error'))).toEqual([]);

    await proxy.start();

    // The same process serves again; the retried send is stored once.
    const retried = await call(guest.socket, 'message:send', pending);
    expect(retried.success).toBe(true);
    expect(retried.data.seq).toBe(2);
    const again = await call(guest.socket, 'message:send', pending);
    expect(again.data.id).toBe(retried.data.id);
    const after = await request(server, `/api/support/conversation/${guest.conversationId}/messages`, { guestId: guest.guestId });
    expect(after.status).toBe(200);
    expect(after.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['before', 'during the outage']);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const { socket } = await server.connect({ token: user.token });
    expect(socket.connected).toBe(true);
  });

  it('bounds a silent partition (connections open, nothing answered): 503 within seconds, then one stored copy of the retried send', async () => {
    const quiet = new TcpProxy(target.hostname, Number(target.port || 5432));
    await quiet.start();
    const bounded = await startTestServer({ DATABASE_URL: quiet.urlFor(scratch.url), DATABASE_QUERY_TIMEOUT_MS: '1000' });
    try {
      const guest = await guestSession(bounded);
      expect((await call(guest.socket, 'message:send', { conversationId: guest.conversationId, message: 'before' })).success).toBe(true);

      quiet.freeze();
      const pending = { conversationId: guest.conversationId, message: 'during the partition', clientMessageId: randomUUID() };
      const started = Date.now();
      const failed = await call(guest.socket, 'message:send', pending);
      expect(failed).toEqual({ success: false, message: 'Service temporarily unavailable, retry shortly' });
      // The query timeout (1 s here), or the 5 s connect timeout for a fresh connection; never TCP's minutes.
      expect(Date.now() - started).toBeLessThan(7_000);
      expect(bounded.logs.filter((line) => line.includes('unexpected error'))).toEqual([]);

      quiet.thaw();
      // The unanswered batch may yet commit once its bytes arrive: the retry finds it or writes it, once.
      const retried = await call(guest.socket, 'message:send', pending);
      expect(retried.success).toBe(true);
      const after = await request(bounded, `/api/support/conversation/${guest.conversationId}/messages`, { guestId: guest.guestId });
      expect(after.body.data.messages.map((m: { message: string; seq: number }) => [m.seq, m.message])).toEqual([
        [1, 'before'],
        [2, 'during the partition'],
      ]);
    } finally {
      quiet.thaw();
      await bounded.close();
      await quiet.stop();
    }
  }, 30_000);
});
