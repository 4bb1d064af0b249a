import { randomUUID } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, person, request, startTestServer, TEST_JWT_SECRET, type TestServer } from '../support/server.js';
import { base64url, decodePayload, guestWithConversation, userWithConversation } from './helpers.js';

const now = () => Math.floor(Date.now() / 1000);
const secret = (text = TEST_JWT_SECRET) => new TextEncoder().encode(text);

/** A token with `alg: none` and an empty signature, as an attacker would write it by hand. */
function unsignedToken(payload: Record<string, unknown>): string {
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/** The same header and signature with a different payload. */
function tamper(token: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, , signature] = token.split('.');
  const payload = decodePayload(token);
  change(payload);
  return `${header}.${base64url(payload)}.${signature}`;
}

let server: TestServer;
let scoped: TestServer;
let guest: Awaited<ReturnType<typeof guestWithConversation>>;
let rsaPrivateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsaPublicPem: string;

beforeAll(async () => {
  [server, scoped] = await Promise.all([startTestServer(), startTestServer({ JWT_ISSUER: 'https://issuer.test', JWT_AUDIENCE: 'support' })]);
  guest = await guestWithConversation(server);
  const pair = await generateKeyPair('RS256', { extractable: true });
  rsaPrivateKey = pair.privateKey;
  rsaPublicPem = await exportSPKI(pair.publicKey);
});
afterAll(async () => {
  await Promise.all([server?.close(), scoped?.close()]);
});

/** Tokens the HS256 server must refuse, each built to look as real as possible otherwise. */
const badTokens: [string, () => Promise<string>][] = [
  ['alg none', async () => unsignedToken({ sub: randomUUID(), role: 'admin', exp: now() + 3600, iat: now() })],
  ['alg none with a user role', async () => unsignedToken({ sub: randomUUID(), role: 'user', exp: now() + 3600 })],
  ['a wrong HS256 key', () => mintToken({ secret: 'another-secret-that-is-long-enough-for-hs256' })],
  ['expired an hour ago', () => mintToken({ expiresIn: now() - 3600 })],
  ['expired a minute ago (beyond the 30 s tolerance)', () => mintToken({ expiresIn: now() - 60 })],
  ['no exp claim', () => new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setSubject(randomUUID()).setIssuedAt().sign(secret())],
  ['no sub claim', () => new SignJWT({ role: 'user' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(secret())],
  ['a sub that is not a uuid', () => mintToken({ sub: 'user-12345' })],
  ['not valid before an hour from now', () => mintToken({ claims: { nbf: now() + 3600 } })],
  ['a payload tampered to role admin', async () => tamper(await mintToken({ role: 'user' }), (p) => (p.role = 'admin'))],
  ['a payload tampered to another sub', async () => tamper(await mintToken({ role: 'user' }), (p) => (p.sub = randomUUID()))],
  [
    'RS256 when the server uses HS256',
    () =>
      new SignJWT({ role: 'admin' })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject(randomUUID())
        .setExpirationTime('1h')
        .sign(rsaPrivateKey),
  ],
  ['a signature stripped off', async () => (await mintToken()).split('.').slice(0, 2).join('.') + '.'],
  ['garbage', async () => 'not.a.jwt'],
];

describe.each(badTokens)('a token with %s', (_name, make) => {
  it('is refused with 401 on REST, also where guests are welcome, never downgraded to a guest', async () => {
    const token = await make();
    const user = await userWithConversation(server);
    for (const [path, init] of [
      ['/api/support/conversation', {}],
      [`/api/support/conversation/${user.conversationId}`, {}],
      [`/api/support/conversation/${user.conversationId}/messages`, {}],
      [`/api/support/conversation/${guest.conversationId}`, { guestId: guest.guestId }],
      ['/api/support/conversation/guest', { method: 'POST', body: {} }],
      ['/api/support/conversation/guest', { method: 'POST', body: {}, guestId: guest.guestId }],
    ] as const) {
      const reply = await request(server, path, { ...init, token });
      expect(reply.status, `${init && 'method' in init ? 'POST ' : 'GET '}${path}`).toBe(401);
      expect(reply.body).toEqual({ success: false, message: expect.any(String) });
    }
  });

  it('is refused with connect_error on the socket, with or without a guest id beside it', async () => {
    const token = await make();
    for (const auth of [{ token }, { token, guestId: guest.guestId }]) {
      const error = await server.connect(auth).then(
        ({ identity }) => {
          throw new Error(`connected as ${JSON.stringify(identity)}`);
        },
        (e: Error & { data?: unknown }) => e,
      );
      expect(error.message).toMatch(/token/i);
      expect(error.data).toEqual({ code: 'UNAUTHORIZED', status: 401 });
    }
  });
});

describe('token edge cases', () => {
  it('accepts a token expired 10 s ago (within the 30 s clock tolerance)', async () => {
    const reply = await request(server, '/api/support/conversation', { token: await mintToken({ expiresIn: now() - 10 }) });
    expect(reply.status).toBe(200);
  });

  it('refuses a socket token that is not a string instead of making a guest', async () => {
    for (const token of [12345, { sub: randomUUID(), role: 'admin' }, true]) {
      await expect(server.connect({ token }), JSON.stringify(token)).rejects.toMatchObject({ data: { status: 400, errors: [{ field: 'token' }] } });
    }
    await expect(server.connect({ token: '' })).rejects.toMatchObject({ data: { status: 401 } });
  });

  it.each([
    ['Basic abc', 'Basic abc'],
    ['Basic with valid-looking credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['a bare token without Bearer', 'TOKEN'],
    ['an empty Bearer', 'Bearer '],
    ['a Bearer with two parts', 'Bearer a b'],
  ])('refuses Authorization: %s with 401, even with a valid guest id beside it', async (_name, authorization) => {
    for (const path of ['/api/support/conversation', `/api/support/conversation/${guest.conversationId}`]) {
      for (const guestId of [undefined, guest.guestId]) {
        const reply = await request(server, path, { headers: { authorization }, ...(guestId && { guestId }) });
        expect(reply.status, `${path} guest=${!!guestId}`).toBe(401);
        expect(reply.body).toEqual({ success: false, message: expect.any(String) });
      }
    }
  });

  it('accepts a lowercase bearer scheme', async () => {
    const token = await mintToken();
    const reply = await request(server, '/api/support/conversation', { headers: { authorization: `bearer ${token}` } });
    expect(reply.status).toBe(200);
  });
});

describe('issuer and audience, when configured', () => {
  const scopedToken = (claims: Record<string, unknown>) => mintToken({ claims });

  it('accepts the right iss and aud', async () => {
    const token = await scopedToken({ iss: 'https://issuer.test', aud: 'support' });
    const reply = await request(scoped, '/api/support/conversation', { token });
    expect(reply.status).toBe(200);
    const { identity } = await scoped.connect({ token });
    expect(identity.type).toBe('user');
  });

  it('accepts an audience list that contains the audience', async () => {
    const token = await scopedToken({ iss: 'https://issuer.test', aud: ['other', 'support'] });
    expect((await request(scoped, '/api/support/conversation', { token })).status).toBe(200);
  });

  it.each([
    ['a wrong iss', { iss: 'https://evil.test', aud: 'support' }],
    ['a wrong aud', { iss: 'https://issuer.test', aud: 'billing' }],
    ['no iss', { aud: 'support' }],
    ['no aud', { iss: 'https://issuer.test' }],
    ['neither', {}],
  ])('refuses %s with 401 and connect_error', async (_name, claims) => {
    const token = await scopedToken(claims);
    const reply = await request(scoped, '/api/support/conversation', { token });
    expect(reply.status).toBe(401);
    expect(reply.body).toEqual({ success: false, message: expect.any(String) });
    await expect(scoped.connect({ token })).rejects.toMatchObject({ data: { status: 401 } });
  });
});

describe('roles', () => {
  it.each([
    ["role: 'admin'", { role: 'admin' }],
    ["roles: ['admin']", { role: undefined, roles: ['admin'] }],
    ["roles: ['user', 'admin']", { role: undefined, roles: ['user', 'admin'] }],
  ])('%s makes an admin', async (_name, claims) => {
    const sub = randomUUID();
    const token = await mintToken({ sub, claims });
    const { identity, socket } = await server.connect({ token });
    expect(identity).toEqual({ type: 'admin', adminId: sub });
    socket.disconnect();

    // And the admin may read a conversation that is not theirs.
    const owner = await userWithConversation(server);
    const details = await request(server, `/api/support/conversation/${owner.conversationId}`, { token });
    expect(details.status).toBe(200);
    expect(details.body.data.userId).toBe(owner.id);
  });

  it.each([
    ["role: 'user'", { role: 'user' }],
    ['no role at all', { role: undefined }],
    ["roles: ['user']", { role: undefined, roles: ['user'] }],
    ["role: 'Admin' (wrong case)", { role: 'Admin' }],
    ["role: 'administrator'", { role: 'administrator' }],
  ])('%s is a user, not an admin', async (_name, claims) => {
    const sub = randomUUID();
    const token = await mintToken({ sub, claims });
    const { identity, socket } = await server.connect({ token });
    expect(identity).toEqual({ type: 'user', userId: sub });
    socket.disconnect();

    const stranger = await userWithConversation(server);
    const details = await request(server, `/api/support/conversation/${stranger.conversationId}`, { token });
    expect(details.status).toBe(404);
    const generate = await request(server, '/api/support/onboarding/generate-code', { token, body: { userId: stranger.id } });
    expect(generate.status).toBe(403);
    expect(generate.body).toEqual({ success: false, message: expect.any(String) });
  });

  it('lets a guest never be an admin', async () => {
    const { identity, socket } = await server.connect({ guestId: guest.guestId });
    expect(identity).toEqual({ type: 'guest', guestId: guest.guestId });
    socket.disconnect();
    const other = await person('user');
    const generate = await request(server, '/api/support/onboarding/generate-code', { guestId: guest.guestId, body: { userId: other.id } });
    expect(generate.status).toBe(403);
  });
});

describe('a server that verifies with an RSA public key', () => {
  let rsaServer: TestServer;
  beforeAll(async () => {
    // JWT_SECRET '' is stripped like an unset variable, leaving only the public key.
    rsaServer = await startTestServer({ JWT_SECRET: '', JWT_PUBLIC_KEY: rsaPublicPem, GUEST_SECRET: 'g'.repeat(40) });
  });
  afterAll(() => rsaServer?.close());

  const rsToken = (claims: Record<string, unknown> = {}) =>
    new SignJWT({ role: 'user', ...claims }).setProtectedHeader({ alg: 'RS256' }).setSubject(randomUUID()).setExpirationTime('1h').sign(rsaPrivateKey);

  it('accepts an RS256 token signed with the matching private key', async () => {
    const token = await rsToken();
    expect((await request(rsaServer, '/api/support/conversation', { token })).status).toBe(200);
    expect((await rsaServer.connect({ token })).identity.type).toBe('user');
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion), alg none, and HS256 with the old secret', async () => {
    const sub = randomUUID();
    const confused = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(rsaPublicPem));
    const none = unsignedToken({ sub, role: 'admin', exp: now() + 3600 });
    const hs = await mintToken({ role: 'admin' });
    for (const token of [confused, none, hs]) {
      const reply = await request(rsaServer, '/api/support/conversation', { token });
      expect(reply.status).toBe(401);
      await expect(rsaServer.connect({ token })).rejects.toMatchObject({ data: { status: 401 } });
    }
  });
});
