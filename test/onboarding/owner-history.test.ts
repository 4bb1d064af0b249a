import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthCodes } from '../../src/auth/auth-codes.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { collectSubscription, trpcClient } from '../support/trpc-client.js';

/**
 * Issue 18.1: a customer who was not connected when an agent sent a code (or who reloaded)
 * finds it in every read path they have, while it is live; nobody else ever sees the digits.
 */
let server: TestServer;
let admin: { id: string; token: string };
beforeAll(async () => {
  server = await startTestServer({ LIMIT_CODE_FAILURES_GLOBAL: '1000/60', LIMIT_CODE_FAILURES_PER_ADDRESS: '1000/60' });
  admin = await person('admin');
});
afterAll(() => server.close());

type Who = { token: string } | { guestId: string };
const as = (who: Who) => ('token' in who ? { token: who.token } : { guestId: who.guestId });
const generate = (body: unknown) => request(server, '/api/support/onboarding/generate-code', { token: admin.token, body });

/** Every read path the owner has, reduced to its auth_code messages' texts. */
async function codeTexts(who: Who, conversationId: string) {
  const history = await request(server, `/api/support/conversation/${conversationId}/messages`, as(who));
  const details = await request(server, `/api/support/conversation/${conversationId}`, as(who));
  const { socket } = await server.connect('token' in who ? { token: who.token } : { guestId: who.guestId });
  const sync = await socket.emitWithAck('conversation:sync', { conversationId, afterSeq: 0 });
  socket.disconnect();
  const feed = collectSubscription((onData) => trpcClient(server.url, who).live.conversation.subscribe({ conversationId, lastEventId: '0' }, { onData }));
  const lastSeq = (await server.db.selectFrom('conversations').select('last_seq').where('id', '=', conversationId).executeTakeFirstOrThrow()).last_seq;
  await feed.until((seen) => seen.some((e) => e.data?.message?.seq === lastSeq)); // the whole replay
  feed.unsubscribe();
  const codes = (messages: { messageType: string; message: string }[]) => messages.filter((m) => m.messageType === 'auth_code').map((m) => m.message);
  return {
    statuses: [history.status, details.status],
    history: history.status === 200 ? codes(history.body.data.messages) : null,
    details: details.status === 200 ? codes(details.body.data.messages) : null,
    sync: sync.success ? codes(sync.data.messages) : null,
    sse: codes(feed.seen.filter((e) => e.data?.type === 'message').map((e) => e.data.message)),
  };
}

const everywhere = (texts: string[] | null) => ({ history: texts, details: texts, sync: texts, sse: texts });

describe('an onboarding code for a customer who was not connected', () => {
  it('shows a user the digits in history, sync, details and SSE; agents and strangers never', async () => {
    const user = await person('user');
    const { code, conversationId } = (await generate({ userId: user.id })).body.data;

    const owner = await codeTexts(user, conversationId);
    expect(owner).toMatchObject({ statuses: [200, 200], ...everywhere([code]) }); // exactly one auth_code message, with its digits

    const agent = await codeTexts(admin, conversationId);
    expect(agent.history).toEqual([expect.stringMatching(/^A verification code was sent\. It expires at /)]);
    expect(agent).toMatchObject(everywhere(agent.history));
    expect(JSON.stringify(agent)).not.toContain(code);

    const stranger = await person('user');
    const refused = await request(server, `/api/support/conversation/${conversationId}/messages`, { token: stranger.token });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).not.toContain(code);
    expect((await request(server, `/api/support/conversation/${conversationId}`, { token: stranger.token })).status).toBe(404);
    const { socket } = await server.connect({ token: stranger.token });
    const sync = await socket.emitWithAck('conversation:sync', { conversationId, afterSeq: 0 });
    expect(sync).toEqual({ success: false, message: 'Conversation not found' });

    // Once verified, the owner reads what became of it, never the digits again.
    expect((await request(server, '/api/support/onboarding/verify-code', { body: { code } })).body.success).toBe(true);
    expect(await codeTexts(user, conversationId)).toMatchObject(everywhere(['This verification code has been used.']));
  });

  it('shows a guest the digits the same way, and another guest nothing', async () => {
    const start = await request(server, '/api/support/conversation/guest', { body: {} });
    const { guestId, conversation } = start.body.data;
    const { code } = (await generate({ guestId })).body.data;
    expect(await codeTexts({ guestId }, conversation.id)).toMatchObject(everywhere([code]));

    const other = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data.guestId;
    const refused = await request(server, `/api/support/conversation/${conversation.id}/messages`, { guestId: other });
    expect(refused.status).toBe(404);
    expect(JSON.stringify(refused.body)).not.toContain(code);
  });

  it('tells the owner an expired or burnt code is no longer usable', async () => {
    const expiring = await person('user');
    const first = (await generate({ userId: expiring.id })).body.data;
    await server.db.updateTable('auth_codes').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', expiring.id).execute();
    expect((await codeTexts(expiring, first.conversationId)).history).toEqual(['This verification code has expired.']);

    const guessed = await person('user');
    const second = (await generate({ userId: guessed.id })).body.data;
    const wrong = second.code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) await request(server, '/api/support/onboarding/verify-code', { body: { code: wrong, userId: guessed.id } });
    expect((await codeTexts(guessed, second.conversationId)).history).toEqual(['This verification code is no longer valid.']);
  });

  it('keeps the digits nowhere in the clear: no row of auth_codes or messages holds them', async () => {
    const user = await person('user');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await generate({ userId: user.id })).body.data.code);
    const rows = async (table: 'auth_codes' | 'messages') =>
      (await sql<{ row: string }>`select t::text as row from ${sql.table(table)} t`.execute(server.db)).rows.map((r) => r.row);
    const stored = [...(await rows('auth_codes')), ...(await rows('messages'))];
    expect(stored.length).toBeGreaterThan(10);
    for (const code of codes) expect(stored.filter((row) => row.includes(code))).toEqual([]);
    // Spent and burnt codes keep no sealed copy at all.
    await request(server, '/api/support/onboarding/verify-code', { body: { code: codes[0] } });
    const spent = await server.db.selectFrom('auth_codes').select('code_sealed').where('used_at', 'is not', null).execute();
    expect(spent.length).toBeGreaterThan(0);
    expect(spent.every((r) => r.code_sealed === null)).toBe(true);
  });
});

describe('sealed codes', () => {
  const codes = createAuthCodes('a-server-secret-of-thirty-two-characters!', 900, false);
  it('open only under the same key and beside the same hash', () => {
    const hash = codes.hash('123456');
    const sealed = codes.seal('123456', hash);
    expect(sealed).not.toContain('123456');
    expect(codes.open(sealed, hash)).toBe('123456');
    expect(codes.open(sealed, codes.hash('654321'))).toBeUndefined(); // copied onto another code's row
    const bytes = Buffer.from(sealed, 'base64');
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1);
    expect(codes.open(bytes.toString('base64'), hash)).toBeUndefined(); // tampered with
    expect(createAuthCodes('another-server-secret-thirty-two-chars!!', 900, false).open(sealed, hash)).toBeUndefined();
    expect(codes.open('', hash)).toBeUndefined();
  });
});
