import { randomUUID } from 'node:crypto';
import type { CompiledQuery, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db } from '../../src/db/connect.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidateConversationAccess } from '../../src/router/access.js';
import { createContextInner, type Context, type Principal } from '../../src/router/context.js';
import { createCaller } from '../../src/router/index.js';
import { upsertProfile } from '../../src/db/users.js';
import { codeOf, startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

/**
 * A database handle that counts the queries reading a conversation row: builder queries
 * (seen by a plugin) and fixed SQL (seen where it is executed). A locking read (`for
 * update`) is the write itself working out why it was refused, not an access lookup.
 */
function countingDb(db: Db) {
  const counter = { count: 0 };
  class Plugin implements KyselyPlugin {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      const locking = node.kind === 'SelectQueryNode' && (node.endModifiers?.length ?? 0) > 0;
      if (node.kind === 'SelectQueryNode' && !locking && JSON.stringify(node.from ?? {}).includes('"conversations"')) counter.count++;
      return node;
    }
    async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return result;
    }
  }
  const inner = db.withPlugin(new Plugin());
  const counted = new Proxy(inner, {
    get(target, key) {
      if (key === 'executeQuery') {
        return (query: CompiledQuery) => {
          if (/from conversations where id/.test(query.sql)) counter.count++;
          return target.executeQuery(query);
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: counted, reads: counter };
}

const user = (): Principal => ({ type: 'user', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });

/** A caller as a socket has one: one context object for every event of the connection. */
function connection(principal: Principal, extra: Partial<Context> = {}) {
  const { db, reads } = countingDb(t.db);
  const services = { ...t.services, db };
  return { caller: createCaller(createContextInner(services, principal, { connectionId: randomUUID(), ...extra })), reads };
}

async function openConversation(principal: Principal) {
  await upsertProfile(t.db, { id: principal.id, role: principal.type === 'admin' ? 'admin' : 'user', email: null, firstName: null, lastName: null });
  return (await t.callerFor(principal)).conversations.getOrCreate({ type: 'general' });
}


describe('per-connection conversation access', () => {
  it('lets a connection that joined keep sending without looking the conversation up again', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const { caller, reads } = connection(owner);

    await caller.conversations.join({ conversationId: conversation.id });
    expect(reads.count).toBe(1);
    for (let i = 1; i <= 5; i++) {
      const sent = await caller.messages.send({ conversationId: conversation.id, message: `m${i}` });
      expect(sent.seq).toBe(i);
    }
    expect(reads.count).toBe(1);

    // Another connection of the same person proves its own right.
    const other = connection(owner);
    await other.caller.messages.send({ conversationId: conversation.id, message: 'from another tab' });
    await other.caller.messages.send({ conversationId: conversation.id, message: 'again' });
    expect(other.reads.count).toBe(1);
  });

  it('looks again after the access is invalidated, and refuses a caller who lost it', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const { caller, reads } = connection(owner);
    await caller.conversations.join({ conversationId: conversation.id });

    // The conversation changes hands behind the cache's back: nobody has told it yet.
    const heir = user();
    await upsertProfile(t.db, { id: heir.id, role: 'user', email: null, firstName: null, lastName: null });
    await t.db.updateTable('conversations').set({ user_id: heir.id }).where('id', '=', conversation.id).execute();
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'cached' }))).toBe('OK');
    expect(reads.count).toBe(1);

    invalidateConversationAccess(conversation.id);
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'rechecked' }))).toBe('NOT_FOUND');
    expect(reads.count).toBe(2);
    // Refused access is not remembered as granted.
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'still no' }))).toBe('NOT_FOUND');
    expect(reads.count).toBe(3);
  });

  it('refuses a send into a conversation closed behind the cache, in the write itself, then looks again', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const { caller, reads } = connection(owner);
    await caller.conversations.join({ conversationId: conversation.id });
    await caller.messages.send({ conversationId: conversation.id, message: 'before' });

    await t.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', conversation.id).execute();
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'after close' }))).toBe('CONFLICT');
    expect(reads.count).toBe(1);
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'again' }))).toBe('CONFLICT');
    expect(reads.count).toBe(2);
    const page = await caller.messages.list({ conversationId: conversation.id });
    expect(page.messages.map((m) => m.message)).toEqual(['before']);
  });

  it('drops what a connection proved when an agent changes the conversation (conversation.updated)', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const { caller, reads } = connection(owner);
    await caller.conversations.join({ conversationId: conversation.id });
    await caller.messages.send({ conversationId: conversation.id, message: 'hello' });
    expect(reads.count).toBe(1);

    const agent = await t.callerFor({ type: 'admin', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });
    await agent.inbox.setStatus({ conversationId: conversation.id, status: 'closed' });
    // Looked up again at once (not refused by the write on stale data): the status is closed.
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'anyone?' }))).toBe('CONFLICT');
    expect(reads.count).toBe(2);

    await agent.inbox.setStatus({ conversationId: conversation.id, status: 'open' });
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'back' }))).toBe('OK');
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'again' }))).toBe('OK');
    expect(reads.count).toBe(3);
  });

  it('remembers nothing for a conversation the caller may not see', async () => {
    const conversation = await openConversation(user());
    const { caller, reads } = connection(user());
    expect(await codeOf(caller.conversations.join({ conversationId: conversation.id }))).toBe('NOT_FOUND');
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'hi' }))).toBe('NOT_FOUND');
    expect(reads.count).toBe(2);
  });
});

describe('join with afterSeq: the connection follows, then the page is read', () => {
  it('reads the conversation once for the access check and the page', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const sender = await t.callerFor(owner);
    for (const text of ['one', 'two', 'three']) await sender.messages.send({ conversationId: conversation.id, message: text });
    const { caller, reads } = connection(owner);
    const joined = await caller.conversations.join({ conversationId: conversation.id, afterSeq: 1 });
    expect(joined).toMatchObject({ conversationId: conversation.id, lastSeq: 3, pagination: { total: 3, hasMore: false } });
    expect('messages' in joined && joined.messages.map((m) => m.message)).toEqual(['two', 'three']);
    expect(reads.count).toBe(1);
  });

  it('has a message committed after the access check but before following in the page, not lost between the two', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const sender = await t.callerFor(owner);
    await sender.messages.send({ conversationId: conversation.id, message: 'held' });
    const steps: string[] = [];
    // The row the access check read says last_seq 1; this lands before the connection
    // follows, so its live copy went to a room the connection was not in yet.
    const follow = async (conversationId: string) => {
      await sender.messages.send({ conversationId, message: 'meanwhile' });
      steps.push(`follow ${conversationId}`);
    };
    const { caller } = connection(owner, { follow });
    const joined = await caller.conversations.join({ conversationId: conversation.id, afterSeq: 1 });
    expect(steps).toEqual([`follow ${conversation.id}`]);
    expect(joined).toMatchObject({ lastSeq: 2, pagination: { total: 2, hasMore: false } });
    expect('messages' in joined && joined.messages.map((m) => [m.seq, m.message])).toEqual([[2, 'meanwhile']]);
  });

  it('follows without afterSeq too; a caller refused by the access check or the input never follows', async () => {
    const owner = user();
    const conversation = await openConversation(owner);
    const followed: string[] = [];
    const follow = (conversationId: string) => void followed.push(conversationId);
    expect(await connection(owner, { follow }).caller.conversations.join({ conversationId: conversation.id })).toEqual({ conversationId: conversation.id, lastSeq: 0 });
    expect(followed).toEqual([conversation.id]);

    followed.length = 0;
    const stranger = connection(user(), { follow }).caller;
    expect(await codeOf(stranger.conversations.join({ conversationId: conversation.id, afterSeq: 0 }))).toBe('NOT_FOUND');
    const guest = connection({ type: 'guest', id: 'guest_1700000000000_0123456789abcdef' }, { follow }).caller;
    expect(await codeOf(guest.conversations.join({ conversationId: conversation.id, afterSeq: 0 }))).toBe('NOT_FOUND');
    const own = connection(owner, { follow }).caller;
    for (const bad of [{ afterSeq: -1 }, { afterSeq: 1.5 }, { afterSeq: 0, limit: 0 }]) {
      expect(await codeOf(own.conversations.join({ conversationId: conversation.id, ...bad }))).toBe('BAD_REQUEST');
    }
    expect(followed).toEqual([]);
  });
});
