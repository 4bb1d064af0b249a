import { afterEach, describe, expect, it } from 'vitest';
import { request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const guess = (s: TestServer, forwardedFor: string) =>
  request(s, '/api/support/onboarding/verify-code', { body: { code: '000000' }, headers: { 'x-forwarded-for': forwardedFor } });

describe('code-guessing limits', () => {
  it('ignores a rotating X-Forwarded-For when no proxy is trusted', async () => {
    server = await startTestServer({ LIMIT_CODE_FAILURES_GLOBAL: '1000/60', LIMIT_CODE_FAILURES_PER_ADDRESS: '20/900' });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await guess(server, `203.0.113.${i}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
  });

  it('trusts the configured proxy hop, and the service-wide cap stops many addresses together', async () => {
    server = await startTestServer({
      TRUST_PROXY_HOPS: '1',
      LIMIT_CODE_FAILURES_GLOBAL: '30/60',
      LIMIT_CODE_FAILURES_PER_ADDRESS: '2/900',
    });
    // Behind one trusted proxy each forwarded address has its own budget of 2...
    expect((await guess(server, '198.51.100.1')).status).toBe(200);
    expect((await guess(server, '198.51.100.1')).status).toBe(200);
    expect((await guess(server, '198.51.100.1')).status).toBe(429);
    // ...but 30 failures in a minute, from any number of addresses, close the door for everyone.
    const statuses: number[] = [];
    for (let i = 2; i < 40; i++) statuses.push((await guess(server, `198.51.100.${i}`)).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(28);
    const limited = await guess(server, '198.51.100.250');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toEqual({ success: false, message: expect.any(String) });
  });

  it('can require the owner on every verification', async () => {
    server = await startTestServer({ AUTH_CODE_REQUIRE_OWNER: 'true' });
    const bare = await request(server, '/api/support/onboarding/verify-code', { body: { code: '123456' } });
    expect(bare.status).toBe(400);
    expect(bare.body.errors[0].field).toBe('userId');
  });
});
