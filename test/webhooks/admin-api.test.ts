import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAdminsOnly, expectFailure, expectFieldError, guestWithConversation, trpcMutation, userWithConversation } from '../rest/helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';

/** Registering endpoints: admins only, bad input refused, no private targets without the flag. */
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
let user: Awaited<ReturnType<typeof userWithConversation>>;
let guest: Awaited<ReturnType<typeof guestWithConversation>>;
let endpointId: string;
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin');
  user = await userWithConversation(server);
  guest = await guestWithConversation(server);
  // A public address literal: nothing is sent to it in this file (no event is subscribed and
  // the test event is queued only by the admin call below, to an endpoint then deleted).
  const created = await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: 'https://93.184.215.14/hooks', events: ['conversation.closed'] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  endpointId = created.body.data.id;
});
afterAll(() => server.close());

const routes = () => [
  { method: 'GET', path: '/api/support/admin/webhooks' },
  { method: 'POST', path: '/api/support/admin/webhooks', body: { url: 'https://93.184.215.14/other', events: ['conversation.closed'] } },
  { method: 'PATCH', path: `/api/support/admin/webhooks/${endpointId}`, body: { description: 'CRM' } },
  { method: 'POST', path: `/api/support/admin/webhooks/${endpointId}/rotate-secret`, body: {} },
  { method: 'GET', path: `/api/support/admin/webhooks/${endpointId}/deliveries` },
  { method: 'PATCH', path: `/api/support/admin/webhooks/${endpointId}`, body: { enabled: false } },
  { method: 'POST', path: `/api/support/admin/webhooks/${endpointId}/test`, body: {} },
];

describe('the webhooks admin API', () => {
  it('answers admins, refuses users and guests with 403 and nobody with 401, on every path', async () => {
    await expectAdminsOnly(server, routes(), { admin: { token: admin.token }, user: { token: user.token }, guest: { guestId: guest.guestId } }, /whsec_|93\.184/);
    // tRPC takes the same rules.
    expect((await trpcMutation(server, 'webhooks.create', { url: 'https://93.184.215.14/x', events: ['message.created'] }, { token: user.token })).status).toBe(403);
  });

  it('shows the secret only when created or rotated', async () => {
    const list = await request(server, '/api/support/admin/webhooks', { token: admin.token });
    expect(JSON.stringify(list.body)).not.toMatch(/whsec_/);
    expect(list.body.data.endpoints[0]).toMatchObject({ id: endpointId, url: 'https://93.184.215.14/hooks', events: ['conversation.closed'] });
  });

  it('refuses private, loopback, link-local and plain-http targets without WEBHOOK_ALLOW_PRIVATE', async () => {
    for (const url of [
      'https://127.0.0.1/hooks',
      'https://localhost:8443/hooks',
      'https://10.0.0.5/hooks',
      'https://192.168.1.1/hooks',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/hooks',
      'https://[fd00::1]/hooks',
      'https://0.0.0.0/hooks',
      'https://[::ffff:127.0.0.1]/hooks',
    ]) {
      const reply = await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url, events: ['message.created'] } });
      expectFailure(reply, 400, /private|loopback|link-local/);
    }
    expectFailure(await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: 'http://93.184.215.14/hooks', events: ['message.created'] } }), 400, /https/);
    expectFailure(await request(server, '/api/support/admin/webhooks', { token: admin.token, body: { url: 'https://user:pw@93.184.215.14/', events: ['message.created'] } }), 400, /password/);
    const moved = await request(server, `/api/support/admin/webhooks/${endpointId}`, { method: 'PATCH', token: admin.token, body: { url: 'https://127.0.0.1/x' } });
    expectFailure(moved, 400, /loopback/);
  });

  it('answers bad input with a 400 naming the field, and unknown endpoints with a 404', async () => {
    const create = (body: unknown) => request(server, '/api/support/admin/webhooks', { token: admin.token, body });
    expectFieldError(await create({ events: ['message.created'] }), 'url');
    expectFailure(await create({ url: 'not a url', events: ['message.created'] }), 400, /url/);
    expectFieldError(await create({ url: 'https://93.184.215.14/', events: [] }), 'events');
    expectFieldError(await create({ url: 'https://93.184.215.14/', events: ['message.deleted'] }), 'events.0');
    expectFieldError(await create({ url: 'https://93.184.215.14/', events: ['message.created', 'message.created'] }), 'events');
    expectFieldError(await create({ url: 'https://93.184.215.14/', events: 'message.created' }), 'events');
    expectFieldError(await create({ url: `https://93.184.215.14/${'a'.repeat(2001)}`, events: ['message.created'] }), 'url');
    expectFieldError(await create({ url: 'https://93.184.215.14/', events: ['message.created'], description: 'x'.repeat(501) }), 'description');
    expectFailure(await request(server, '/api/support/admin/webhooks', { token: admin.token, rawBody: '{"url":' }), 400);
    expectFieldError(await request(server, '/api/support/admin/webhooks/not-a-uuid', { method: 'PATCH', token: admin.token, body: {} }), 'id');
    expectFieldError(await request(server, `/api/support/admin/webhooks/${endpointId}/deliveries?limit=0`, { token: admin.token }), 'limit');
    expectFieldError(await request(server, `/api/support/admin/webhooks/${endpointId}/deliveries?before=abc`, { token: admin.token }), 'before');
    expectFieldError(await request(server, `/api/support/admin/webhooks/${endpointId}/deliveries?status=lost`, { token: admin.token }), 'status');
    const missing = randomUUID();
    for (const [method, path] of [
      ['PATCH', `/api/support/admin/webhooks/${missing}`],
      ['DELETE', `/api/support/admin/webhooks/${missing}`],
      ['POST', `/api/support/admin/webhooks/${missing}/rotate-secret`],
      ['POST', `/api/support/admin/webhooks/${missing}/test`],
      ['GET', `/api/support/admin/webhooks/${missing}/deliveries`],
    ] as const) {
      expectFailure(await request(server, path, { method, token: admin.token, ...(method !== 'GET' && method !== 'DELETE' && { body: {} }) }), 404);
    }
  });

  it('deletes an endpoint with its deliveries', async () => {
    const deleted = await request(server, `/api/support/admin/webhooks/${endpointId}`, { method: 'DELETE', token: admin.token });
    expect(deleted.body).toEqual({ success: true, data: { id: endpointId, deleted: true } });
    expect(await server.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId).execute()).toEqual([]);
    expectFailure(await request(server, `/api/support/admin/webhooks/${endpointId}/deliveries`, { token: admin.token }), 404);
  });
});
