import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('GET /api/support/conversation', () => {
  it('creates the open conversation once and returns it again, field by field as the spec', async () => {
    const user = await person('user');
    const first = await request(server, '/api/support/conversation', { token: user.token });
    expect(first.status).toBe(200);
    expect(first.body.success).toBe(true);
    expect(first.body.data).toMatchObject({
      userId: user.id,
      guestId: null,
      adminId: null,
      type: 'general',
      subject: null,
      status: 'open',
      priority: 'normal',
      lastMessageAt: null,
    });
    expect(first.body.data.id).toMatch(UUID);
    expect(first.body.data.createdAt).toMatch(ISO);
    expect(first.body.data.updatedAt).toMatch(ISO);

    const again = await request(server, '/api/support/conversation?type=general', { token: user.token });
    expect(again.body.data.id).toBe(first.body.data.id);
    const onboarding = await request(server, '/api/support/conversation?type=onboarding', { token: user.token });
    expect(onboarding.body.data.id).not.toBe(first.body.data.id);
    expect(onboarding.body.data.type).toBe('onboarding');
  });

  it('gives 20 parallel calls for one user one conversation', async () => {
    const user = await person('user');
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => request(server, '/api/support/conversation?type=call_request', { token: user.token })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    expect(new Set(replies.map((r) => r.body.data.id)).size).toBe(1);
  });

  it('refuses no credentials with 401 and an unknown type with a 400 naming the field', async () => {
    const none = await request(server, '/api/support/conversation');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ success: false, message: expect.any(String) });
    const user = await person('user');
    const bad = await request(server, '/api/support/conversation?type=sales', { token: user.token });
    expect(bad.status).toBe(400);
    expect(bad.body.success).toBe(false);
    expect(bad.body.errors[0].field).toBe('type');
  });
});

describe('POST /api/support/conversation/guest', () => {
  it('issues a guest id of the documented shape and reuses the conversation when it comes back', async () => {
    const first = await request(server, '/api/support/conversation/guest', { body: { type: 'general', subject: 'Need help' } });
    expect(first.status).toBe(200);
    const { conversation, guestId } = first.body.data;
    expect(guestId).toMatch(/^guest_\d{13}_[0-9a-f]+$/);
    expect(conversation).toMatchObject({ userId: null, guestId, adminId: null, type: 'general', status: 'open', subject: 'Need help' });
    expect(conversation.createdAt).toMatch(ISO);

    const back = await request(server, '/api/support/conversation/guest', { guestId, body: {} });
    expect(back.body.data.guestId).toBe(guestId);
    expect(back.body.data.conversation.id).toBe(conversation.id);
    const viaBody = await request(server, '/api/support/conversation/guest', { body: { guestId } });
    expect(viaBody.body.data.conversation.id).toBe(conversation.id);
  });

  it('mints a fresh id instead of accepting one this server did not issue', async () => {
    const real = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data.guestId as string;
    const tampered = real.slice(0, -1) + (real.endsWith('0') ? '1' : '0');
    for (const forged of ['guest_1234567890_abc123', 'test_guest_123', tampered]) {
      const reply = await request(server, '/api/support/conversation/guest', { guestId: forged, body: {} });
      expect(reply.status).toBe(200);
      expect(reply.body.data.guestId).not.toBe(forged);
      expect(reply.body.data.guestId).toMatch(/^guest_\d{13}_/);
    }
  });

  it('answers malformed JSON, wrong types and oversize bodies with 4xx envelopes', async () => {
    const malformed = await request(server, '/api/support/conversation/guest', { rawBody: '{"type": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.success).toBe(false);
    const wrongType = await request(server, '/api/support/conversation/guest', { body: { type: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors).toEqual([{ field: 'type', message: expect.any(String) }]);
    const notObject = await request(server, '/api/support/conversation/guest', { body: [1, 2] });
    expect(notObject.status).toBe(400);
    const huge = await request(server, '/api/support/conversation/guest', { body: { subject: 'x'.repeat(1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.success).toBe(false);
    // and the server keeps serving
    expect((await request(server, '/api/support/conversation/guest', { body: {} })).status).toBe(200);
  });
});
