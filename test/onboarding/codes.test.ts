import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: { id: string; token: string };
const logged: string[] = [];
const originalLog = console.log;
const originalError = console.error;

beforeAll(async () => {
  // Capture everything the server might print, to prove no code reaches a log line.
  console.log = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  server = await startTestServer({ LIMIT_CODE_FAILURES_GLOBAL: '1000/60', LIMIT_CODE_FAILURES_PER_ADDRESS: '1000/60' });
  admin = await person('admin');
});
afterAll(async () => {
  await server.close();
  console.log = originalLog;
  console.error = originalError;
});

const generate = (body: unknown, token = admin.token) => request(server, '/api/support/onboarding/generate-code', { token, body });
const verify = (body: unknown) => request(server, '/api/support/onboarding/verify-code', { body });

async function guestWithSocket() {
  const start = await request(server, '/api/support/conversation/guest', { body: {} });
  const { guestId, conversation } = start.body.data;
  const { socket } = await server.connect({ guestId });
  return { guestId: guestId as string, conversationId: conversation.id as string, socket };
}

describe('onboarding codes', () => {
  it('reaches a guest live, verifies once, and tells the conversation', async () => {
    const guest = await guestWithSocket();
    const received = nextEvent(guest.socket, 'message:received');
    const generated = await generate({ guestId: guest.guestId, deviceInfo: '{"device":"iPhone","os":"iOS 17"}' });
    expect(generated.status).toBe(201);
    expect(generated.body).toEqual({
      success: true,
      message: 'Auth code generated successfully',
      data: { code: expect.stringMatching(/^\d{6}$/), expiresAt: expect.any(String), conversationId: guest.conversationId },
    });
    const { code, expiresAt } = generated.body.data;
    const lifetime = Date.parse(expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000 + 5_000);

    const live = await received;
    expect(live).toMatchObject({ conversationId: guest.conversationId, messageType: 'auth_code', senderType: 'system', message: code });

    const verifiedNote = nextEvent(guest.socket, 'message:received');
    const ok = await verify({ code, guestId: guest.guestId });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      success: true,
      message: 'Code verified successfully',
      data: { authCodeId: expect.any(String), guestId: guest.guestId, conversationId: guest.conversationId },
    });
    expect(await verifiedNote).toMatchObject({ messageType: 'system', message: 'Code verified' });

    const again = await verify({ code, guestId: guest.guestId });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ success: false, message: 'Invalid or expired code' });
  });

  it('delivers to a user before they join, and a bare code says whose it was', async () => {
    const user = await person('user');
    const { socket } = await server.connect({ token: user.token });
    const received = nextEvent(socket, 'message:received');
    const generated = await generate({ userId: user.id });
    expect((await received).message).toBe(generated.body.data.code);
    const ok = await verify({ code: generated.body.data.code });
    expect(ok.body.success).toBe(true);
    expect(ok.body.data.userId).toBe(user.id);
  });

  it('lets only admins generate', async () => {
    const user = await person('user');
    const guest = await guestWithSocket();
    expect((await generate({ userId: user.id }, user.token)).status).toBe(403);
    const asGuest = await request(server, '/api/support/onboarding/generate-code', { guestId: guest.guestId, body: { guestId: guest.guestId } });
    expect(asGuest.status).toBe(403);
    const anonymous = await request(server, '/api/support/onboarding/generate-code', { body: { userId: user.id } });
    expect(anonymous.status).toBe(401);
  });

  it('refuses bad generate input with 400s naming the field', async () => {
    const user = await person('user');
    const notJson = await generate({ userId: user.id, deviceInfo: 'iPhone' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.errors[0].field).toBe('deviceInfo');
    expect((await generate({})).status).toBe(400);
    expect((await generate({ guestId: 'guest_1234567890_abc123' })).body.errors[0].field).toBe('guestId');
    expect((await generate({ userId: 'nope' })).status).toBe(400);
  });

  it('refuses a code that names the wrong owner, with the same answer', async () => {
    const owner = await person('user');
    const other = await person('user');
    const { code } = (await generate({ userId: owner.id })).body.data;
    const wrong = await verify({ code, userId: other.id });
    expect(wrong.body).toEqual({ success: false, message: 'Invalid or expired code' });
    expect((await verify({ code, userId: owner.id })).body.success).toBe(true);
  });

  it('burns an owner\'s codes after five wrong guesses naming them; a wrong bare guess burns nothing', async () => {
    const victim = await person('user');
    const { code } = (await generate({ userId: victim.id })).body.data;
    const wrongCode = code === '000000' ? '000001' : '000000';
    // A bare wrong guess must not burn anyone's code.
    expect((await verify({ code: wrongCode })).body.success).toBe(false);
    for (let i = 0; i < 5; i++) expect((await verify({ code: wrongCode, userId: victim.id })).body.success).toBe(false);
    const sixth = await verify({ code: wrongCode, userId: victim.id });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even the right code, bare (so no per-owner limit applies), is refused now: it was burnt.
    expect((await verify({ code })).body).toEqual({ success: false, message: 'Invalid or expired code' });
  });

  it('gives exactly one success among 50 concurrent verifications of one code', async () => {
    const user = await person('user');
    const { code } = (await generate({ userId: user.id })).body.data;
    const answers = await Promise.all(Array.from({ length: 50 }, () => verify({ code })));
    expect(answers.filter((a) => a.body.success === true)).toHaveLength(1);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  });

  it('answers every failure reason with a byte-identical body', async () => {
    const owner = await person('user');
    const stranger = await person('user');
    const { code } = (await generate({ userId: owner.id })).body.data;
    const texts = new Set<string>();
    const raw = async (body: unknown) => {
      const r = await fetch(`${server.url}/api/support/onboarding/verify-code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(r.status).toBe(200);
      texts.add(await r.text());
    };
    await raw({ code: code === '999999' ? '999998' : '999999' }); // unknown
    await raw({ code, userId: stranger.id }); // wrong owner
    expect((await verify({ code })).body.success).toBe(true);
    await raw({ code }); // used
    expect(texts.size).toBe(1);
    expect([...texts][0]).toBe('{"success":false,"message":"Invalid or expired code"}');
  });

  it('keeps no plaintext code in the database and none in the logs', async () => {
    const user = await person('user');
    const { code } = (await generate({ userId: user.id })).body.data;
    const rows = await server.db.selectFrom('auth_codes').select(['code_hash']).execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.code_hash))).toBe(true);
    const messages = await server.db.selectFrom('messages').select(['message']).where('message_type', '=', 'auth_code').execute();
    expect(messages.some((m) => m.message.includes(code))).toBe(false);
    expect(logged.some((line) => line.includes(code))).toBe(false);
    expect(server.logs.length).toBeGreaterThan(10); // the server did log its requests...
    expect(server.logs.some((line) => line.includes(code))).toBe(false); // ...and never a code
  });
});

describe('code expiry', () => {
  it('refuses a code after its lifetime', async () => {
    const short = await startTestServer({ AUTH_CODE_TTL_SECONDS: '10' });
    try {
      const agent = await person('admin');
      const user = await person('user');
      const generated = await request(short, '/api/support/onboarding/generate-code', { token: agent.token, body: { userId: user.id } });
      // Age the code by moving its expiry into the past, rather than sleeping.
      await short.db.updateTable('auth_codes').set({ expires_at: new Date(Date.now() - 1000) }).execute();
      const late = await request(short, '/api/support/onboarding/verify-code', { body: { code: generated.body.data.code } });
      expect(late.body).toEqual({ success: false, message: 'Invalid or expired code' });
    } finally {
      await short.close();
    }
  });
});
