import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { expectAdminsOnly, expectFieldError, guestWithConversation, userWithConversation } from '../rest/helpers.js';

/** The agents' workspace over REST: who may call each path, bad input, limits. */
let server: TestServer;
let admin: Awaited<ReturnType<typeof person>>;
let user: Awaited<ReturnType<typeof userWithConversation>>;
let guest: Awaited<ReturnType<typeof guestWithConversation>>;
let noteId: string;
let savedReplyId: string;
beforeAll(async () => {
  server = await startTestServer({ LIMIT_AGENT_WRITES_PER_IDENTITY: '40/60' });
  admin = await person('admin', { firstName: 'Ann' });
  user = await userWithConversation(server);
  guest = await guestWithConversation(server);
  noteId = (await request(server, `/api/support/admin/conversations/${user.conversationId}/notes`, { token: admin.token, body: { text: 'seed' } })).body.data.id;
  savedReplyId = (await request(server, '/api/support/admin/saved-replies', { token: admin.token, body: { title: 'Hi', text: 'Hello!' } })).body.data.id;
});
afterAll(() => server.close());

const routes = () => [
  { method: 'GET', path: `/api/support/admin/conversations/${user.conversationId}/notes` },
  { method: 'POST', path: `/api/support/admin/conversations/${user.conversationId}/notes`, body: { text: 'a note' } },
  { method: 'PATCH', path: `/api/support/admin/notes/${noteId}`, body: { text: 'edited' } },
  { method: 'GET', path: '/api/support/admin/saved-replies' },
  { method: 'POST', path: '/api/support/admin/saved-replies', body: { title: 'Bye', text: 'Goodbye!' } },
  { method: 'PATCH', path: `/api/support/admin/saved-replies/${savedReplyId}`, body: { title: 'Hi', text: 'Hello there!' } },
  { method: 'POST', path: '/api/support/admin/presence', body: { state: 'online' } },
  { method: 'GET', path: '/api/support/admin/agents' },
  { method: 'GET', path: `/api/support/admin/conversations/${user.conversationId}/customer-conversations` },
];

describe('the agents’ workspace over REST', () => {
  it('answers agents, refuses users and guests with 403 and nobody with 401, on every path', async () => {
    await expectAdminsOnly(server, routes(), { admin: { token: admin.token }, user: { token: user.token }, guest: { guestId: guest.guestId } }, /seed|Hello/);
  });

  it('tells anyone, signed in or not, only whether an agent is online', async () => {
    await request(server, '/api/support/admin/presence', { token: admin.token, body: { state: 'online' } });
    const status = await request(server, '/api/support/presence');
    expect(status.body).toEqual({ success: true, data: { agentsOnline: true } });
  });

  it('lets only its author edit or delete a note, and deletes it for good', async () => {
    const colleague = await person('admin');
    const note = (await request(server, `/api/support/admin/conversations/${guest.conversationId}/notes`, { token: admin.token, body: { text: 'mine' } })).body.data;
    expect(note).toMatchObject({ authorId: admin.id, authorName: 'Ann', text: 'mine' });
    expect((await request(server, `/api/support/admin/notes/${note.id}`, { method: 'PATCH', token: colleague.token, body: { text: 'x' } })).status).toBe(403);
    expect((await request(server, `/api/support/admin/notes/${note.id}`, { method: 'DELETE', token: colleague.token })).status).toBe(403);
    const deleted = await request(server, `/api/support/admin/notes/${note.id}`, { method: 'DELETE', token: admin.token });
    expect(deleted.body).toEqual({ success: true, data: { noteId: note.id, deleted: true } });
    expect((await request(server, `/api/support/admin/notes/${note.id}`, { method: 'DELETE', token: admin.token })).status).toBe(404);
    const list = await request(server, `/api/support/admin/conversations/${guest.conversationId}/notes`, { token: admin.token });
    expect(list.body.data.notes).toEqual([]);
  });

  it.each([
    ['POST', () => `/api/support/admin/conversations/${user.conversationId}/notes`, { text: '' }, 'text'],
    ['POST', () => `/api/support/admin/conversations/${user.conversationId}/notes`, { text: 42 }, 'text'],
    ['POST', () => `/api/support/admin/conversations/${user.conversationId}/notes`, { text: 'x'.repeat(5001) }, 'text'],
    ['POST', () => '/api/support/admin/conversations/not-a-uuid/notes', { text: 'ok' }, 'conversationId'],
    ['PATCH', () => '/api/support/admin/notes/not-a-uuid', { text: 'ok' }, 'noteId'],
    ['PATCH', () => `/api/support/admin/notes/${noteId}`, { text: ['a'] }, 'text'],
    ['POST', () => '/api/support/admin/saved-replies', { title: '', text: 'ok' }, 'title'],
    ['POST', () => '/api/support/admin/saved-replies', { title: 'ok' }, 'text'],
    ['POST', () => '/api/support/admin/saved-replies', { title: { a: 1 }, text: 'ok' }, 'title'],
    ['PATCH', () => `/api/support/admin/saved-replies/${savedReplyId}`, { title: 'x'.repeat(101), text: 'ok' }, 'title'],
    ['DELETE', () => '/api/support/admin/saved-replies/42', undefined, 'id'],
    ['POST', () => '/api/support/admin/presence', { state: 'busy' }, 'state'],
    ['POST', () => '/api/support/admin/presence', {}, 'state'],
    ['GET', () => '/api/support/admin/conversations/nope/customer-conversations', undefined, 'conversationId'],
  ])('%s %s with %j: 400 naming %s', async (method, path, body, field) => {
    expectFieldError(await request(server, path(), { method, token: admin.token, ...(body !== undefined && { body }) }), field);
  });

  it('answers 404 for a note, saved reply or conversation that does not exist', async () => {
    for (const [method, path, body] of [
      ['PATCH', `/api/support/admin/notes/${randomUUID()}`, { text: 'x' }],
      ['PATCH', `/api/support/admin/saved-replies/${randomUUID()}`, { title: 't', text: 'x' }],
      ['POST', `/api/support/admin/conversations/${randomUUID()}/notes`, { text: 'x' }],
      ['GET', `/api/support/admin/conversations/${randomUUID()}/customer-conversations`, undefined],
    ] as const) {
      expect((await request(server, path, { method, token: admin.token, ...(body && { body }) })).status, `${method} ${path}`).toBe(404);
    }
  });

  it('limits how fast one agent writes notes and saved replies (429 with Retry-After)', async () => {
    const busy = await person('admin');
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) {
      const reply = await request(server, '/api/support/admin/saved-replies', { token: busy.token, body: { title: `r${i}`, text: 'x' } });
      statuses.push(reply.status);
      if (reply.status === 429) expect(Number(reply.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 201)).toHaveLength(40);
    expect(statuses.slice(40)).toEqual([429, 429, 429, 429, 429]);
    // Another agent's budget is their own.
    expect((await request(server, '/api/support/admin/saved-replies', { token: admin.token, body: { title: 'other', text: 'x' } })).status).toBe(201);
  });
});
