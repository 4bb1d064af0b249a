import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/router/context.js';
import { upsertProfile } from '../../src/db/users.js';
import { codeOf, startTestServices } from '../support/services.js';

/** Issue 13's procedures through createCaller: notes, saved replies, presence, the customer panel. */
let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

const hour = () => Date.now() / 1000 + 3600;
const admin = (): Principal => ({ type: 'admin', id: randomUUID(), tokenExpiresAt: hour() });
const user = (): Principal => ({ type: 'user', id: randomUUID(), tokenExpiresAt: hour() });

/** A caller whose profile carries a name (callerFor's own upsert, with no claims, comes first). */
async function namedCaller(principal: Principal, firstName: string) {
  const caller = await t.callerFor(principal);
  await upsertProfile(t.db, { id: principal.id, role: principal.type as 'admin', email: `${firstName.toLowerCase()}@example.com`, firstName, lastName: null });
  return caller;
}

async function customerWithConversation() {
  const customer = user();
  const caller = await t.callerFor(customer);
  const conversation = await caller.conversations.getOrCreate({ type: 'general' });
  return { customer, caller, conversationId: conversation.id };
}

describe('private notes', () => {
  it('are written, listed, edited and deleted by agents, with the author named', async () => {
    const ann = admin();
    const agent = await namedCaller(ann, 'Ann');
    const { conversationId } = await customerWithConversation();
    const note = await agent.notes.create({ conversationId, text: '  VIP: refund approved  ' });
    expect(note).toMatchObject({ conversationId, authorId: ann.id, authorName: 'Ann', text: 'VIP: refund approved' });
    expect((await agent.notes.list({ conversationId })).notes.map((n) => n.text)).toEqual(['VIP: refund approved']);

    const edited = await agent.notes.update({ noteId: note.id, text: 'VIP: refund sent' });
    expect(edited.text).toBe('VIP: refund sent');
    expect(await agent.notes.delete({ noteId: note.id })).toEqual({ noteId: note.id, deleted: true });
    expect((await agent.notes.list({ conversationId })).notes).toEqual([]);
    expect(await codeOf(agent.notes.update({ noteId: note.id, text: 'again' }))).toBe('NOT_FOUND');
  });

  it('can be changed only by their author; customers and strangers cannot reach them at all', async () => {
    const agent = await t.callerFor(admin());
    const colleague = await t.callerFor(admin());
    const { caller: owner, conversationId } = await customerWithConversation();
    const note = await agent.notes.create({ conversationId, text: 'internal' });
    expect(await codeOf(colleague.notes.update({ noteId: note.id, text: 'mine now' }))).toBe('FORBIDDEN');
    expect(await codeOf(colleague.notes.delete({ noteId: note.id }))).toBe('FORBIDDEN');
    expect((await colleague.notes.list({ conversationId })).notes).toHaveLength(1); // every agent reads them

    for (const caller of [owner, await t.callerFor(user()), await t.callerFor({ type: 'guest', id: t.services.guestIds.mint() })]) {
      expect(await codeOf(caller.notes.list({ conversationId }))).toBe('FORBIDDEN');
      expect(await codeOf(caller.notes.create({ conversationId, text: 'x' }))).toBe('FORBIDDEN');
      expect(await codeOf(caller.notes.update({ noteId: note.id, text: 'x' }))).toBe('FORBIDDEN');
      expect(await codeOf(caller.notes.delete({ noteId: note.id }))).toBe('FORBIDDEN');
    }
    expect(await codeOf(t.anonymous().notes.list({ conversationId }))).toBe('UNAUTHORIZED');
    expect(await codeOf(agent.notes.create({ conversationId: randomUUID(), text: 'x' }))).toBe('NOT_FOUND');
  });

  it('never reach the customer and leave their seq gap-free', async () => {
    const agentPrincipal = admin();
    const agent = await t.callerFor(agentPrincipal);
    const { caller: owner, conversationId } = await customerWithConversation();
    await owner.messages.send({ conversationId, message: 'one' });
    await agent.notes.create({ conversationId, text: 'SECRET-NOTE-1' });
    await agent.messages.send({ conversationId, message: 'two' });
    await agent.notes.create({ conversationId, text: 'SECRET-NOTE-2' });
    await owner.messages.send({ conversationId, message: 'three' });

    const history = await owner.messages.list({ conversationId });
    expect(history.messages.map((m) => [m.seq, m.message])).toEqual([[1, 'one'], [2, 'two'], [3, 'three']]);
    const everything = JSON.stringify([history, await owner.messages.sync({ conversationId, afterSeq: 0 }), await owner.conversations.details({ conversationId })]);
    expect(everything).not.toContain('SECRET-NOTE');
    const inbox = await agent.inbox.list({});
    expect(inbox.conversations.find((c) => c.id === conversationId)?.lastNote).toMatchObject({ text: 'SECRET-NOTE-2', authorId: agentPrincipal.id });
  });

  it('refuse bad input with the field named', async () => {
    const agent = await t.callerFor(admin());
    const { conversationId } = await customerWithConversation();
    for (const text of ['', '   ', 'x'.repeat(5001), 5, null, ['a']]) {
      expect(await codeOf(agent.notes.create({ conversationId, text } as never)), JSON.stringify(text)).toBe('BAD_REQUEST');
    }
    expect(await codeOf(agent.notes.update({ noteId: 'nope', text: 'x' }))).toBe('BAD_REQUEST');
    expect(await codeOf(agent.notes.delete({ noteId: 42 } as never))).toBe('BAD_REQUEST');
    expect(await codeOf(agent.notes.create({ conversationId: 'x', text: 'ok' }))).toBe('BAD_REQUEST');
  });
});

describe('saved replies', () => {
  it('are shared by the team: any agent creates, edits and deletes them, sorted by title', async () => {
    const a = await t.callerFor(admin());
    const b = await t.callerFor(admin());
    const refund = await a.savedReplies.create({ title: 'Refund', text: 'Your refund is on its way.' });
    await a.savedReplies.create({ title: 'greeting', text: 'Hello! How can we help?' });
    expect((await b.savedReplies.list()).savedReplies.map((r) => r.title)).toEqual(['greeting', 'Refund']);
    expect(await b.savedReplies.update({ id: refund.id, title: 'Refund sent', text: 'Sent today.' })).toMatchObject({ title: 'Refund sent', text: 'Sent today.' });
    expect(await b.savedReplies.delete({ id: refund.id })).toEqual({ id: refund.id, deleted: true });
    expect(await codeOf(b.savedReplies.delete({ id: refund.id }))).toBe('NOT_FOUND');
    expect(await codeOf(b.savedReplies.update({ id: randomUUID(), title: 't', text: 't' }))).toBe('NOT_FOUND');
  });

  it('are for agents only, and refuse bad input', async () => {
    for (const caller of [await t.callerFor(user()), await t.callerFor({ type: 'guest', id: t.services.guestIds.mint() })]) {
      expect(await codeOf(caller.savedReplies.list())).toBe('FORBIDDEN');
      expect(await codeOf(caller.savedReplies.create({ title: 't', text: 't' }))).toBe('FORBIDDEN');
    }
    expect(await codeOf(t.anonymous().savedReplies.list())).toBe('UNAUTHORIZED');
    const agent = await t.callerFor(admin());
    for (const input of [{ title: '', text: 't' }, { title: 't', text: ' ' }, { title: 'x'.repeat(101), text: 't' }, { title: 5, text: 't' }, { text: 't' }]) {
      expect(await codeOf(agent.savedReplies.create(input as never)), JSON.stringify(input)).toBe('BAD_REQUEST');
    }
  });
});

describe('presence', () => {
  it('shows who is online or away; the widget learns only whether anyone is online', async () => {
    await sql`delete from agent_presence`.execute(t.db);
    const zoe = admin();
    const yan = admin();
    const z = await namedCaller(zoe, 'Zoe');
    const y = await namedCaller(yan, 'Yan');
    expect(await t.anonymous().presence.status()).toEqual({ agentsOnline: false });

    await y.presence.heartbeat({ state: 'away' });
    expect(await t.anonymous().presence.status()).toEqual({ agentsOnline: false });
    await z.presence.heartbeat({ state: 'online' });
    expect(await t.anonymous().presence.status()).toEqual({ agentsOnline: true });

    const { agents } = await y.presence.agents();
    const states = Object.fromEntries(agents.filter((a) => [zoe.id, yan.id].includes(a.adminId)).map((a) => [a.name, a.state]));
    expect(states).toEqual({ Zoe: 'online', Yan: 'away' });
    expect(agents.findIndex((a) => a.adminId === zoe.id)).toBeLessThan(agents.findIndex((a) => a.adminId === yan.id));

    // A console that stopped sending heartbeats a while ago counts as offline.
    await sql`update agent_presence set seen_at = now() - interval '2 minutes'`.execute(t.db);
    expect(await t.anonymous().presence.status()).toEqual({ agentsOnline: false });
    expect((await y.presence.agents()).agents.find((a) => a.adminId === zoe.id)).toMatchObject({ state: 'offline' });
  });

  it('takes heartbeats from agents only, with a known state', async () => {
    expect(await codeOf((await t.callerFor(user())).presence.heartbeat({ state: 'online' }))).toBe('FORBIDDEN');
    expect(await codeOf((await t.callerFor(user())).presence.agents())).toBe('FORBIDDEN');
    const agent = await t.callerFor(admin());
    for (const state of ['busy', '', 1, null]) expect(await codeOf(agent.presence.heartbeat({ state } as never))).toBe('BAD_REQUEST');
  });
});

describe("the customer panel's conversations", () => {
  it('lists every conversation of the customer, newest first, to agents only', async () => {
    const { customer, caller: owner, conversationId } = await customerWithConversation();
    const agent = await t.callerFor(admin());
    await agent.inbox.setStatus({ conversationId, status: 'closed' });
    const second = await owner.conversations.getOrCreate({ type: 'general' });
    const other = await customerWithConversation();
    const { conversations } = await agent.conversations.ofCustomer({ conversationId: second.id });
    expect(conversations.map((c) => c.id)).toEqual([second.id, conversationId]);
    expect(conversations.every((c) => c.userId === customer.id)).toBe(true);
    expect(conversations.map((c) => c.id)).not.toContain(other.conversationId);
    expect(await codeOf(owner.conversations.ofCustomer({ conversationId }))).toBe('FORBIDDEN');
    expect(await codeOf(agent.conversations.ofCustomer({ conversationId: randomUUID() }))).toBe('NOT_FOUND');
  });
});

describe("agents' unread counts and the server's own messages", () => {
  const unreadOf = async (agent: Awaited<ReturnType<typeof t.callerFor>>, conversationId: string) =>
    (await agent.inbox.list({})).conversations.find((c) => c.id === conversationId)?.unreadCount;

  it('a change an agent makes is not unread for the agents; a system message can be read', async () => {
    const agent = await t.callerFor(admin());
    const { caller: owner, conversationId } = await customerWithConversation();
    const first = await owner.messages.send({ conversationId, message: 'help' });
    await agent.messages.markRead({ messageId: first.id });
    await agent.inbox.setPriority({ conversationId, priority: 'high' });
    expect(await unreadOf(agent, conversationId)).toBe(0);

    // With the customer's message still unread, the change stays behind it until both are read.
    const second = await owner.messages.send({ conversationId, message: 'hello?' });
    await agent.inbox.setStatus({ conversationId, status: 'pending' });
    expect(await unreadOf(agent, conversationId)).toBe(2);
    await agent.messages.markRead({ messageId: second.id });
    expect(await unreadOf(agent, conversationId)).toBe(1);
    const system = (await agent.messages.list({ conversationId })).messages.at(-1)!;
    expect(system).toMatchObject({ senderType: 'system', message: 'Status changed to pending' });
    expect(await agent.messages.markRead({ messageId: system.id })).toMatchObject({ isRead: false });
    expect(await unreadOf(agent, conversationId)).toBe(0);
  });
});
