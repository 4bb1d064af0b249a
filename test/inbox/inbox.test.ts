import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldConversationCounts } from '../../src/db/inbox.js';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
let admin: { id: string; token: string };
let other: { id: string; token: string };
const CONVERSATIONS = 1_200;

/**
 * Seeds 1,200 guest conversations straight into the database (the API would take minutes):
 * statuses, priorities and assignees in a fixed pattern, one to three messages each.
 */
async function seed() {
  const db = server.db;
  const guests = Array.from({ length: CONVERSATIONS }, () => server.app.services.guestIds.mint());
  await db.insertInto('guests').values(guests.map((id) => ({ id }))).execute();
  for (const p of [admin, other]) {
    await db.insertInto('users').values({ id: p.id, role: 'admin', email: `${p.id.slice(0, 6)}@example.com`, first_name: 'Agent', last_name: p.id.slice(0, 4) }).execute();
  }
  const base = Date.now() - 10 * 24 * 3600_000;
  const rows = guests.map((guestId, i) => ({
    guest_id: guestId,
    type: 'general' as const,
    status: (['open', 'pending', 'closed'] as const)[i % 3]!,
    priority: (['low', 'normal', 'high', 'urgent'] as const)[i % 4]!,
    admin_id: i % 5 === 0 ? admin.id : i % 5 === 1 ? other.id : null,
    last_seq: (i % 3) + 1,
    agent_read_seq: i % 2 === 0 ? (i % 3) + 1 : 0,
    last_message_at: new Date(base + i * 60_000),
  }));
  const inserted = await db.insertInto('conversations').values(rows).returning(['id', 'last_seq', 'last_message_at']).execute();
  const messages = inserted.flatMap((c, i) =>
    Array.from({ length: c.last_seq }, (_, k) => ({
      conversation_id: c.id,
      seq: k + 1,
      sender_type: 'guest' as const,
      guest_id: rows[i]!.guest_id,
      sender_id: null,
      message: i === 777 && k === 0 ? 'my invoice for the zeppelin is wrong' : `hello number ${i}-${k}`,
      message_type: 'text' as const,
      created_at: new Date(c.last_message_at!.getTime() - (c.last_seq - k - 1) * 1000),
    })),
  );
  for (let i = 0; i < messages.length; i += 1000) await db.insertInto('messages').values(messages.slice(i, i + 1000)).execute();
  return inserted.map((c) => c.id);
}

let ids: string[];
beforeAll(async () => {
  server = await startTestServer();
  admin = await person('admin', { firstName: 'Ann' });
  other = await person('admin', { firstName: 'Bob' });
  ids = await seed();
}, 120_000);
afterAll(() => server.close());

const inbox = (query = '', token = admin.token) => request(server, `/api/support/admin/conversations${query}`, { token });

async function allPages(query: string, during?: (page: number) => Promise<void>) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let page = 0;
  do {
    const q: string = `${query}${query ? '&' : '?'}limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const reply = await inbox(q);
    expect(reply.status).toBe(200);
    seen.push(...reply.body.data.conversations.map((c: { id: string }) => c.id));
    cursor = reply.body.data.nextCursor;
    await during?.(page++);
  } while (cursor);
  return seen;
}

describe('agents’ inbox', () => {
  it('pages all 1,200 by newest activity, each row with last message, customer and unread count', async () => {
    const first = await inbox('?limit=5');
    const rows = first.body.data.conversations;
    expect(rows.map((c: { id: string }) => c.id)).toEqual(ids.slice(-5).reverse());
    const top = rows[0];
    expect(top).toMatchObject({ status: 'closed', priority: 'urgent', customer: { type: 'guest', name: null } });
    expect(top.lastMessage).toMatchObject({ message: 'hello number 1199-2', senderType: 'guest', messageType: 'text' });
    expect(top.unreadCount).toBe(3); // 1199: odd, never read by an agent, three messages
    expect(rows[1].unreadCount).toBe(0); // 1198: even, read up to its last seq
    const everything = await allPages('');
    expect(everything).toHaveLength(CONVERSATIONS);
    expect(new Set(everything).size).toBe(CONVERSATIONS);
  });

  it('neither repeats nor skips a row while new messages arrive during paging', async () => {
    const guestSockets = new Map<string, string>();
    const seen = await allPages('', async (page) => {
      // Activity in conversations on pages not read yet, and in ones already read.
      // (Every third seeded conversation is closed and takes no messages: step off those.)
      for (const wanted of [100 - page * 7, 900 + page, 1199 - page]) {
        const id = ids[wanted % 3 === 2 ? wanted - 1 : wanted]!;
        const row = await server.db.selectFrom('conversations').select('guest_id').where('id', '=', id).executeTakeFirstOrThrow();
        guestSockets.set(id, row.guest_id!);
        const { socket } = await server.connect({ guestId: row.guest_id! });
        expect((await socket.emitWithAck('message:send', { conversationId: id, message: `new during page ${page}` })).success).toBe(true);
        socket.disconnect();
      }
    });
    expect(seen).toHaveLength(CONVERSATIONS);
    expect(new Set(seen).size).toBe(CONVERSATIONS);
    // A fresh first page shows the newly active conversations on top.
    const fresh = (await inbox('?limit=3')).body.data.conversations;
    expect(guestSockets.has(fresh[0].id)).toBe(true);
  });

  it('filters by status, priority, assignee and type, and searches message bodies', async () => {
    const byFilter = async (q: string) => allPages(q);
    expect(await byFilter('?status=pending')).toHaveLength(CONVERSATIONS / 3);
    expect(await byFilter('?priority=urgent')).toHaveLength(CONVERSATIONS / 4);
    expect(await byFilter('?assignee=me')).toHaveLength(CONVERSATIONS / 5);
    expect(await byFilter(`?assignee=${other.id}`)).toHaveLength(CONVERSATIONS / 5);
    expect(await byFilter('?assignee=none')).toHaveLength((CONVERSATIONS * 3) / 5);
    expect(await byFilter('?status=open&priority=low&assignee=me')).toHaveLength(CONVERSATIONS / 60);
    expect(await byFilter('?type=onboarding')).toHaveLength(0);
    const found = await byFilter('?search=zeppelin');
    expect(found).toEqual([ids[777]]);
    expect((await inbox('?status=archived')).status).toBe(400);
    expect((await inbox('?cursor=bm90LWEtY3Vyc29y')).body.errors[0].field).toBe('cursor');
  });

  it('counts per status and per assignee bucket', async () => {
    const reply = await request(server, '/api/support/admin/conversations/counts', { token: admin.token });
    expect(reply.body.data.byStatus).toEqual({ open: 400, pending: 400, closed: 400 });
    const active = reply.body.data.active;
    expect(active.all).toBe(800);
    expect(active.mine).toBe(160);
    expect(active.unassigned).toBe(480);
  });

  it('keeps the counts exact through new, closed, reopened and deleted conversations, before and after a fold', async () => {
    const counted = async () => (await request(server, '/api/support/admin/conversations/counts', { token: admin.token })).body.data.byStatus;
    const truth = async () => {
      const rows = await server.db.selectFrom('conversations').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return Object.fromEntries(['open', 'pending', 'closed'].map((status) => [status, Number(rows.find((r) => r.status === status)?.n ?? 0)]));
    };
    const setStatus = (id: string, status: string) => request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status } });
    const before = await counted();
    expect(before).toEqual(await truth());

    // Ten customers start at once; agents close six, set two pending and reopen one.
    const started = await Promise.all(Array.from({ length: 10 }, () => request(server, '/api/support/conversation/guest', { body: {} })));
    const newIds: string[] = started.map((r) => r.body.data.conversation.id);
    await Promise.all(newIds.slice(0, 6).map((id) => setStatus(id, 'closed')));
    await Promise.all(newIds.slice(6, 8).map((id) => setStatus(id, 'pending')));
    await setStatus(newIds[0]!, 'open');
    expect(await counted()).toEqual({ open: before.open + 3, pending: before.pending + 2, closed: before.closed + 5 });
    expect(await counted()).toEqual(await truth());

    await foldConversationCounts(server.db);
    expect(await counted()).toEqual(await truth());
    // Rows gone (an erasure) and a bulk change in one statement are counted too.
    await server.db.deleteFrom('conversations').where('id', 'in', newIds.slice(1, 3)).execute();
    await server.db.updateTable('conversations').set({ status: 'closed' }).where('id', 'in', newIds.slice(6, 10)).execute();
    expect(await counted()).toEqual({ open: before.open + 1, pending: before.pending, closed: before.closed + 7 });
    await Promise.all([foldConversationCounts(server.db), foldConversationCounts(server.db)]);
    expect(await counted()).toEqual(await truth());
    // What this test added goes, so the other tests count the seed alone.
    await server.db.deleteFrom('conversations').where('id', 'in', [newIds[0]!, ...newIds.slice(3)]).execute();
    expect(await counted()).toEqual(before);
  });

  it('assigns, re-prioritises and closes, each with a system message pushed live to the room and to agents', async () => {
    const start = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
    const { socket: guest } = await server.connect({ guestId: start.guestId });
    const { socket: agent } = await server.connect({ token: other.token });
    const id = start.conversation.id;

    const note = nextEvent(guest, 'message:received');
    const pushed = nextEvent(agent, 'conversation:updated');
    const assigned = await request(server, `/api/support/admin/conversations/${id}/assign`, { token: admin.token, body: {} });
    expect(assigned.status).toBe(200);
    expect(assigned.body.data.adminId).toBe(admin.id);
    expect(await note).toMatchObject({ senderType: 'system', messageType: 'system', message: 'Assigned to Ann' });
    expect(await pushed).toMatchObject({ change: 'assigned', conversation: { id, adminId: admin.id } });

    const priority = await request(server, `/api/support/admin/conversations/${id}/priority`, { token: admin.token, body: { priority: 'high' } });
    expect(priority.body.data.priority).toBe('high');
    const closedEvent = nextEvent(guest, 'conversation:updated');
    const closed = await request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status: 'closed' } });
    expect(closed.body.data.status).toBe('closed');
    expect((await closedEvent).conversation.status).toBe('closed');
    const history = (await request(server, `/api/support/conversation/${id}/messages`, { guestId: start.guestId })).body.data.messages;
    expect(history.map((m: { message: string }) => m.message)).toEqual(['Assigned to Ann', 'Priority set to high', 'Status changed to closed']);

    // The same change again is not news: no second system message.
    await request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status: 'closed' } });
    expect((await request(server, `/api/support/conversation/${id}`, { guestId: start.guestId })).body.data.lastSeq).toBe(3);

    const unassigned = await request(server, `/api/support/admin/conversations/${id}/unassign`, { token: admin.token, body: {} });
    expect(unassigned.body.data.adminId).toBeNull();
    const reopened = await request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status: 'open' } });
    expect(reopened.body.data.status).toBe('open');
    expect((await request(server, `/api/support/admin/conversations/${id}/assign`, { token: admin.token, body: { adminId: randomUUID() } })).status).toBe(400);
    expect((await request(server, `/api/support/admin/conversations/${randomUUID()}/assign`, { token: admin.token, body: {} })).status).toBe(404);
  });

  it('counts unread from read positions: an agent reading or replying clears them', async () => {
    const start = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
    const { socket: guest } = await server.connect({ guestId: start.guestId });
    const { socket: agent } = await server.connect({ token: other.token });
    const id = start.conversation.id;
    // The console's tab title: conversations of the caller's or nobody's with something unread.
    const unreadForOther = async () => (await request(server, '/api/support/admin/conversations/counts', { token: other.token })).body.data.active.unreadForMe as number;
    const before = await unreadForOther();
    const sent = [];
    for (const text of ['one', 'two', 'three']) sent.push((await guest.emitWithAck('message:send', { conversationId: id, message: text })).data);
    const unread = async () =>
      (await inbox('?limit=5')).body.data.conversations.find((c: { id: string }) => c.id === id).unreadCount as number;
    expect(await unread()).toBe(3);
    expect(await unreadForOther()).toBe(before + 1);
    expect((await agent.emitWithAck('message:read', { messageId: sent[1].id })).data.isRead).toBe(true);
    expect(await unread()).toBe(1); // read up to "two"
    expect(await unreadForOther()).toBe(before + 1);
    // The guest reading its own message moves nothing.
    await guest.emitWithAck('message:read', { messageId: sent[2].id });
    expect(await unread()).toBe(1);
    await agent.emitWithAck('message:send', { conversationId: id, message: 'on it' });
    expect(await unread()).toBe(0); // replying means having read
    expect(await unreadForOther()).toBe(before);
    // Assigned to another agent, a new message is no longer this agent's to count.
    await request(server, `/api/support/admin/conversations/${id}/assign`, { token: admin.token, body: {} });
    await guest.emitWithAck('message:send', { conversationId: id, message: 'four' });
    expect(await unreadForOther()).toBe(before);
    await request(server, `/api/support/admin/conversations/${id}/unassign`, { token: admin.token, body: {} });
    expect(await unreadForOther()).toBe(before + 1);
  });

  it('refuses reopening when the customer already has another open conversation of that type', async () => {
    const start = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data;
    const id = start.conversation.id;
    await request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status: 'closed' } });
    await request(server, '/api/support/conversation/guest', { guestId: start.guestId, body: {} }); // opens a new one
    const reopen = await request(server, `/api/support/admin/conversations/${id}/status`, { token: admin.token, body: { status: 'open' } });
    expect(reopen.status).toBe(409);
  });

  it('gives users, guests and anonymous callers 403 / 401 on every inbox path and procedure', async () => {
    const user = await person('user');
    const guest = (await request(server, '/api/support/conversation/guest', { body: {} })).body.data.guestId;
    const id = ids[0];
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/support/admin/conversations'],
      ['GET', '/api/support/admin/conversations/counts'],
      ['POST', `/api/support/admin/conversations/${id}/assign`, {}],
      ['POST', `/api/support/admin/conversations/${id}/unassign`, {}],
      ['POST', `/api/support/admin/conversations/${id}/status`, { status: 'closed' }],
      ['POST', `/api/support/admin/conversations/${id}/priority`, { priority: 'low' }],
    ];
    for (const [method, path, body] of calls) {
      expect((await request(server, path, { method, token: user.token, body })).status).toBe(403);
      expect((await request(server, path, { method, guestId: guest, body })).status).toBe(403);
      expect((await request(server, path, { method, body })).status).toBe(401);
    }
    for (const procedure of ['inbox.list', 'inbox.counts']) {
      const r = await fetch(`${server.url}/trpc/${procedure}`, { headers: { authorization: `Bearer ${user.token}` } });
      expect(r.status).toBe(403);
    }
    const status = await fetch(`${server.url}/trpc/inbox.setStatus`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guest-id': guest },
      body: JSON.stringify({ conversationId: id, status: 'closed' }),
    });
    expect(status.status).toBe(403);
    const row = await server.db.selectFrom('conversations').select('status').where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row.status).toBe('open');
  });

  it('serves the search from the full-text index', async () => {
    const { rows } = await sql<{ indexname: string }>`select indexname from pg_indexes where indexname = 'messages_body_search'`.execute(server.db);
    expect(rows).toHaveLength(1);
  });
});
