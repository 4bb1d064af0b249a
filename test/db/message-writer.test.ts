import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageWriter, type MessageToStore, type StoreOutcome } from '../../src/db/message-writer.js';
import { upsertProfile } from '../../src/db/users.js';
import { startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

async function newConversation(): Promise<string> {
  const guestId = t.services.guestIds.mint();
  await t.db.insertInto('guests').values({ id: guestId }).execute();
  const row = await t.db.insertInto('conversations').values({ guest_id: guestId, type: 'general' }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

async function newAdmin(): Promise<string> {
  const id = randomUUID();
  await upsertProfile(t.db, { id, role: 'admin', email: null, firstName: null, lastName: null });
  return id;
}

const item = (conversationId: string, message: string, extra: Partial<MessageToStore> = {}): MessageToStore => ({
  conversationId,
  senderType: 'guest',
  senderId: null,
  guestId: 'guest_1_x',
  message,
  messageType: 'text',
  clientMessageId: null,
  claimAdminId: null,
  ...extra,
});

const stored = (o: StoreOutcome) => {
  if (o.status !== 'stored') throw new Error(`expected stored, got ${o.status}`);
  return o;
};

async function seqsOf(conversationId: string) {
  const rows = await t.db.selectFrom('messages').select(['seq', 'message']).where('conversation_id', '=', conversationId).orderBy('seq').execute();
  const { last_seq } = await t.db.selectFrom('conversations').select('last_seq').where('id', '=', conversationId).executeTakeFirstOrThrow();
  return { seqs: rows.map((r) => r.seq), texts: rows.map((r) => r.message), lastSeq: last_seq };
}

/** One turn of the event loop: what the writer waits before flushing. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('MessageWriter (group commit)', () => {
  it('writes concurrent sends into several conversations in one batch, numbering each conversation 1..n in arrival order', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const conversations = [await newConversation(), await newConversation(), await newConversation()];
    const sends = Array.from({ length: 60 }, (_, i) => writer.store(item(conversations[i % 3]!, `m${i}`)));
    const outcomes = (await Promise.all(sends)).map(stored);

    expect(writer.stats).toMatchObject({ batches: 1, items: 60, fallbacks: 0, largestBatch: 60 });
    expect(outcomes.every((o) => o.created)).toBe(true);
    for (const [n, id] of conversations.entries()) {
      const { seqs, texts, lastSeq } = await seqsOf(id);
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(texts).toEqual(Array.from({ length: 20 }, (_, i) => `m${i * 3 + n}`));
      expect(lastSeq).toBe(20);
    }
    // Each caller gets its own row back.
    expect(outcomes.map((o) => o.message.message)).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
  });

  it('flushes a lone message at once: it is in flight after one event-loop turn, with nothing else to wait for', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const conversationId = await newConversation();
    const pending = writer.store(item(conversationId, 'alone'));
    expect(writer.stats.batches).toBe(0); // gathering the sends of this turn
    await turn();
    expect(writer.stats).toMatchObject({ batches: 1, items: 1 });
    expect(stored(await pending).message.seq).toBe(1);
  });

  it('gathers sends that arrive while a batch is in flight into the next one', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 });
    const conversationId = await newConversation();
    const first = writer.store(item(conversationId, 'first'));
    await turn(); // `first` is now being written
    const rest = ['a', 'b', 'c', 'd'].map((text) => writer.store(item(conversationId, text)));
    await Promise.all([first, ...rest]);
    expect(writer.stats).toMatchObject({ batches: 2, items: 5, largestBatch: 4 });
    expect(await seqsOf(conversationId)).toEqual({ seqs: [1, 2, 3, 4, 5], texts: ['first', 'a', 'b', 'c', 'd'], lastSeq: 5 });
  });

  it('stores retries of one clientMessageId inside one batch once, and answers each with the stored message', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const conversationId = await newConversation();
    const clientMessageId = randomUUID();
    const outcomes = (
      await Promise.all([
        writer.store(item(conversationId, 'before')),
        writer.store(item(conversationId, 'once', { clientMessageId })),
        writer.store(item(conversationId, 'once', { clientMessageId })),
        writer.store(item(conversationId, 'between')),
        writer.store(item(conversationId, 'once', { clientMessageId })),
      ])
    ).map(stored);
    expect(writer.stats.batches).toBe(1);
    const retries = [outcomes[1]!, outcomes[2]!, outcomes[4]!];
    expect(new Set(retries.map((o) => o.message.id)).size).toBe(1);
    expect(retries.map((o) => o.created)).toEqual([true, false, false]);
    expect(await seqsOf(conversationId)).toEqual({ seqs: [1, 2, 3], texts: ['before', 'once', 'between'], lastSeq: 3 });

    // A retry in a later batch finds the stored one, and takes no seq.
    const later = await Promise.all([
      writer.store(item(conversationId, 'once', { clientMessageId })),
      writer.store(item(conversationId, 'after')),
    ]);
    expect(stored(later[0]!)).toMatchObject({ created: false, message: { id: retries[0]!.message.id, seq: 2 } });
    expect(stored(later[1]!).message.seq).toBe(4);
    expect((await seqsOf(conversationId)).seqs).toEqual([1, 2, 3, 4]);
  });

  it('answers a new message exactly as a later read returns it (uuids in lower case)', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const conversationId = await newConversation();
    const clientMessageId = randomUUID().toUpperCase();
    const senderId = randomUUID().toUpperCase();
    const created = stored(
      await writer.store(item(conversationId.toUpperCase(), 'Grüße, "quotes" and \\ backslashes', { senderType: 'user', senderId, guestId: null, clientMessageId })),
    );
    const row = await t.db.selectFrom('messages').selectAll().where('id', '=', created.message.id).executeTakeFirstOrThrow();
    expect(created.message).toEqual(row);
    const again = stored(await writer.store(item(conversationId, 'ignored', { senderType: 'user', senderId, guestId: null, clientMessageId })));
    expect(again).toEqual({ status: 'stored', message: row, created: false });
  });

  it('fails only the bad item of a batch: its neighbours, in the same conversation and others, are stored without gaps', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const [a, b] = [await newConversation(), await newConversation()];
    const results = await Promise.allSettled([
      writer.store(item(a, 'a1')),
      writer.store(item(b, 'b1')),
      // An admin who has no profile: the foreign key refuses the claim.
      writer.store(item(a, 'bad claim', { senderType: 'admin', senderId: randomUUID(), guestId: null, claimAdminId: randomUUID() })),
      writer.store(item(a, 'a2')),
      // Not a UUID: the database refuses the value.
      writer.store(item(b, 'bad sender', { senderType: 'user', senderId: 'not-a-uuid', guestId: null })),
      writer.store(item(b, 'b2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
    expect(writer.stats.fallbacks).toBe(1);
    expect(await seqsOf(a)).toEqual({ seqs: [1, 2], texts: ['a1', 'a2'], lastSeq: 2 });
    expect(await seqsOf(b)).toEqual({ seqs: [1, 2], texts: ['b1', 'b2'], lastSeq: 2 });
    const conversation = await t.db.selectFrom('conversations').select('admin_id').where('id', '=', a).executeTakeFirstOrThrow();
    expect(conversation.admin_id).toBeNull();
  });

  it('answers missing and closed conversations per item, without failing the rest of the batch', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const [open, closed] = [await newConversation(), await newConversation()];
    await t.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', closed).execute();
    const outcomes = await Promise.all([
      writer.store(item(open, 'hello', { requireOpen: true })),
      writer.store(item(randomUUID(), 'nobody here')),
      writer.store(item(closed, 'too late', { requireOpen: true })),
      writer.store(item(closed, 'system note')), // the server may still write into a closed conversation
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['stored', 'missing', 'closed', 'stored']);
    expect(writer.stats.batches).toBe(1);
    expect((await seqsOf(closed)).texts).toEqual(['system note']);
  });

  it('answers a lone send (the one-message statement) like a batch: retries, missing, closed, admin claims, bad text', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 });
    const [conversationId, closed] = [await newConversation(), await newConversation()];
    await t.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', closed).execute();
    const admin = await newAdmin();
    const clientMessageId = randomUUID();

    const first = stored(await writer.store(item(conversationId, 'once', { clientMessageId, requireOpen: true })));
    const retry = stored(await writer.store(item(conversationId, 'once', { clientMessageId: clientMessageId.toUpperCase(), requireOpen: true })));
    expect([first.created, retry.created]).toEqual([true, false]);
    expect(retry.message).toEqual(first.message);

    const reply = stored(await writer.store(item(conversationId, 'reply', { senderType: 'admin', senderId: admin, guestId: null, claimAdminId: admin })));
    expect(reply.message.seq).toBe(2);
    expect(await writer.store(item(randomUUID(), 'nobody here'))).toEqual({ status: 'missing' });
    expect(await writer.store(item(closed, 'too late', { requireOpen: true }))).toEqual({ status: 'closed' });
    await expect(writer.store(item(conversationId, 'nul \u0000 inside'))).rejects.toMatchObject({ code: '22021' });
    expect(stored(await writer.store(item(conversationId, 'after')))).toMatchObject({ message: { seq: 3 } });

    expect(writer.stats).toMatchObject({ largestBatch: 1 });
    expect(await seqsOf(conversationId)).toEqual({ seqs: [1, 2, 3], texts: ['once', 'reply', 'after'], lastSeq: 3 });
    const row = await t.db.selectFrom('conversations').select('admin_id').where('id', '=', conversationId).executeTakeFirstOrThrow();
    expect(row.admin_id).toBe(admin);
  });

  it('lets the first admin in arrival order claim an unassigned conversation, even within one batch', async () => {
    const writer = new MessageWriter(t.db, { lanes: 1 }); // one lane: every send of the turn in one batch
    const conversationId = await newConversation();
    const [ann, bob] = [await newAdmin(), await newAdmin()];
    const asAdmin = (id: string, text: string) =>
      item(conversationId, text, { senderType: 'admin', senderId: id, guestId: null, claimAdminId: id });
    await Promise.all([
      writer.store(item(conversationId, 'question')),
      writer.store(asAdmin(ann, 'Ann here')),
      writer.store(asAdmin(bob, 'Bob here')),
    ]);
    expect(writer.stats.batches).toBe(1);
    const row = await t.db.selectFrom('conversations').selectAll().where('id', '=', conversationId).executeTakeFirstOrThrow();
    expect(row.admin_id).toBe(ann);
    expect(row.last_seq).toBe(3);
    expect(row.last_message_at).not.toBeNull();

    await writer.store(asAdmin(bob, 'Bob again'));
    const after = await t.db.selectFrom('conversations').select('admin_id').where('id', '=', conversationId).executeTakeFirstOrThrow();
    expect(after.admin_id).toBe(ann);
  });

  it('spreads conversations over lanes written side by side, each conversation in arrival order', async () => {
    const writer = new MessageWriter(t.db, { lanes: 4 });
    const conversations = await Promise.all(Array.from({ length: 12 }, () => newConversation()));
    const rounds = Array.from({ length: 5 }, (_, round) =>
      Promise.all(conversations.map((id, n) => writer.store(item(id, `r${round}c${n}`)))),
    );
    await Promise.all(rounds);
    expect(writer.stats.batches).toBeGreaterThan(1);
    for (const [n, id] of conversations.entries()) {
      expect(await seqsOf(id)).toEqual({ seqs: [1, 2, 3, 4, 5], texts: [0, 1, 2, 3, 4].map((r) => `r${r}c${n}`), lastSeq: 5 });
    }
  });

  it('keeps seq gap-free when several writers (as several replicas would) race on the same conversations and keys', async () => {
    const writers = [new MessageWriter(t.db), new MessageWriter(t.db), new MessageWriter(t.db)];
    const conversations = [await newConversation(), await newConversation()];
    const keys = Array.from({ length: 5 }, () => randomUUID());
    const sends: Promise<StoreOutcome>[] = [];
    for (let i = 0; i < 90; i++) {
      const clientMessageId = i % 3 === 0 ? keys[i % 5]! : null;
      sends.push(writers[i % 3]!.store(item(conversations[i % 2]!, `m${i}`, { clientMessageId })));
    }
    const outcomes = (await Promise.all(sends)).map(stored);
    const created = outcomes.filter((o) => o.created).length;
    let total = 0;
    for (const id of conversations) {
      const { seqs, lastSeq } = await seqsOf(id);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(lastSeq).toBe(seqs.length);
      total += seqs.length;
    }
    expect(total).toBe(created);
    // Every send of one key into one conversation got the same message.
    const byKey = new Map<string, Set<string>>();
    for (const o of outcomes) {
      if (!o.message.client_message_id) continue;
      const key = `${o.message.conversation_id}/${o.message.client_message_id}`;
      byKey.set(key, (byKey.get(key) ?? new Set()).add(o.message.id));
    }
    for (const ids of byKey.values()) expect(ids.size).toBe(1);
  });
});
