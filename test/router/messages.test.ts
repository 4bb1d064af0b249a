import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/router/context.js';
import { codeOf, startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

const user = (): Principal => ({ type: 'user', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });
const admin = (): Principal => ({ type: 'admin', id: randomUUID(), tokenExpiresAt: Date.now() / 1000 + 3600 });

async function conversationOf(owner: Principal) {
  const caller = await t.callerFor(owner);
  return { caller, conversation: await caller.conversations.getOrCreate({ type: 'general' }) };
}


describe('messages.send', () => {
  it('numbers 50 concurrent sends 1..50 with no gaps and no repeats', async () => {
    const { caller, conversation } = await conversationOf(user());
    const agent = await t.callerFor(admin());
    const sends = Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? agent : caller).messages.send({ conversationId: conversation.id, message: `m${i}` }),
    );
    const stored = await Promise.all(sends);
    expect(stored.map((m) => m.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const page = await caller.messages.list({ conversationId: conversation.id, limit: 100 });
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(page.pagination.total).toBe(50);
  });

  it('stores a retried clientMessageId once, even when the retries race', async () => {
    const { caller, conversation } = await conversationOf(user());
    const clientMessageId = randomUUID();
    const created: unknown[] = [];
    const listener = (e: unknown) => created.push(e);
    t.services.events.on('message.created', listener);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => caller.messages.send({ conversationId: conversation.id, message: 'once', clientMessageId })),
    );
    t.services.events.off('message.created', listener);
    expect(new Set(results.map((m) => m.id)).size).toBe(1);
    expect(created).toHaveLength(1);
    const page = await caller.messages.list({ conversationId: conversation.id });
    expect(page.pagination.total).toBe(1);
  });

  it('makes the first replying admin the assignee, and keeps it', async () => {
    const { caller, conversation } = await conversationOf(user());
    const first = admin();
    const second = admin();
    await (await t.callerFor(first)).messages.send({ conversationId: conversation.id, message: 'Hi, I am Ann' });
    await (await t.callerFor(second)).messages.send({ conversationId: conversation.id, message: 'Hi, I am Bob' });
    const details = await caller.conversations.details({ conversationId: conversation.id });
    expect(details.adminId).toBe(first.id);
    expect(details.lastMessageAt).not.toBeNull();
    expect(details.messages.map((m) => m.message)).toEqual(['Hi, I am Ann', 'Hi, I am Bob']);
  });

  it('tells listeners only after the message is committed', async () => {
    const { caller, conversation } = await conversationOf(user());
    const seen = new Promise<number>((resolve) => {
      t.services.events.once('message.created', async ({ message }) => {
        const row = await t.db.selectFrom('messages').select('seq').where('id', '=', message.id).executeTakeFirst();
        resolve(row?.seq ?? -1);
      });
    });
    const sent = await caller.messages.send({ conversationId: conversation.id, message: 'committed?' });
    expect(await seen).toBe(sent.seq);
  });

  it('refuses client-written system and auth_code messages, files, and empty or huge text', async () => {
    const { caller, conversation } = await conversationOf(user());
    const send = (extra: Record<string, unknown>) =>
      codeOf(caller.messages.send({ conversationId: conversation.id, message: 'x', ...extra } as never));
    expect(await send({ messageType: 'system' })).toBe('BAD_REQUEST');
    expect(await send({ messageType: 'auth_code' })).toBe('BAD_REQUEST');
    expect(await send({ messageType: 'file' })).toBe('BAD_REQUEST');
    expect(await send({ message: '   ' })).toBe('BAD_REQUEST');
    expect(await send({ message: 'y'.repeat(5001) })).toBe('BAD_REQUEST');
    expect(await send({ message: `  ${'y'.repeat(5000)}  ` })).toBe('OK'); // trimmed to 5,000
    const stored = await caller.messages.list({ conversationId: conversation.id });
    expect(stored.messages.map((m) => m.message.length)).toEqual([5000]);
  });

  it("hides other people's conversations as not found, and lets admins in", async () => {
    const { conversation } = await conversationOf(user());
    const stranger = await t.callerFor(user());
    const guest = await t.callerFor({ type: 'guest', id: t.services.guestIds.mint() });
    for (const caller of [stranger, guest]) {
      expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'hi' }))).toBe('NOT_FOUND');
      expect(await codeOf(caller.conversations.details({ conversationId: conversation.id }))).toBe('NOT_FOUND');
      expect(await codeOf(caller.messages.list({ conversationId: conversation.id }))).toBe('NOT_FOUND');
    }
    expect(await codeOf(t.anonymous().messages.list({ conversationId: conversation.id }))).toBe('UNAUTHORIZED');
    expect(await codeOf((await t.callerFor(admin())).messages.list({ conversationId: conversation.id }))).toBe('OK');
  });

  it('refuses sends into a closed conversation, and get-or-create opens a new one', async () => {
    const owner = user();
    const { caller, conversation } = await conversationOf(owner);
    await t.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', conversation.id).execute();
    expect(await codeOf(caller.messages.send({ conversationId: conversation.id, message: 'hello?' }))).toBe('CONFLICT');
    const next = await caller.conversations.getOrCreate({ type: 'general' });
    expect(next.id).not.toBe(conversation.id);
  });
});

describe('messages.markRead', () => {
  it("marks a message read when the other side reads it, and never for the sender's own side", async () => {
    const owner = user();
    const { caller, conversation } = await conversationOf(owner);
    const agent = await t.callerFor(admin());
    const question = await caller.messages.send({ conversationId: conversation.id, message: 'question' });
    const answer = await agent.messages.send({ conversationId: conversation.id, message: 'answer' });

    expect((await caller.messages.markRead({ messageId: question.id })).isRead).toBe(false);
    expect((await agent.messages.markRead({ messageId: answer.id })).isRead).toBe(false);
    expect((await agent.messages.markRead({ messageId: question.id })).isRead).toBe(true);
    expect((await caller.messages.markRead({ messageId: answer.id })).isRead).toBe(true);

    const stranger = await t.callerFor(user());
    expect(await codeOf(stranger.messages.markRead({ messageId: answer.id }))).toBe('NOT_FOUND');
    expect(await codeOf(stranger.messages.markRead({ messageId: randomUUID() }))).toBe('NOT_FOUND');
  });
});

describe('messages.list paging', () => {
  it('pages back from the newest, and follows before/after cursors', async () => {
    const { caller, conversation } = await conversationOf(user());
    for (let i = 1; i <= 25; i++) await caller.messages.send({ conversationId: conversation.id, message: `m${i}` });
    const seqs = (p: { messages: { seq: number }[] }) => p.messages.map((m) => m.seq);
    const page1 = await caller.messages.list({ conversationId: conversation.id, limit: 10 });
    expect(seqs(page1)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    expect(page1.pagination).toEqual({ total: 25, page: 1, limit: 10, totalPages: 3, hasMore: true });
    const page3 = await caller.messages.list({ conversationId: conversation.id, limit: 10, page: 3 });
    expect(seqs(page3)).toEqual([1, 2, 3, 4, 5]);
    expect(page3.pagination.hasMore).toBe(false);
    expect(seqs(await caller.messages.list({ conversationId: conversation.id, limit: 10, page: 4 }))).toEqual([]);
    expect(seqs(await caller.messages.list({ conversationId: conversation.id, limit: 3, before: 5 }))).toEqual([2, 3, 4]);
    const after = await caller.messages.list({ conversationId: conversation.id, limit: 3, after: 22 });
    expect(seqs(after)).toEqual([23, 24, 25]);
    expect(after.pagination.hasMore).toBe(false);
    expect((await caller.messages.list({ conversationId: conversation.id, limit: 3, after: 20 })).pagination.hasMore).toBe(true);
  });
});
