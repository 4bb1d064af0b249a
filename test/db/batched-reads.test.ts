import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConversationPrepared, listMessagesBySeqPrepared } from '../../src/db/prepared.js';
import { startTestServices } from '../support/services.js';

let t: Awaited<ReturnType<typeof startTestServices>>;
beforeAll(async () => {
  t = await startTestServices();
});
afterAll(() => t.close());

/**
 * Under load, conversation lookups and message ranges go to the database together (a
 * reconnect storm): each caller must still get exactly its own answer.
 */
describe('reads batched under load', () => {
  it('answers 600 lookups and ranges at once, each as if alone: duplicates, misses and empty ranges included', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const guestId = t.services.guestIds.mint();
      await t.db.insertInto('guests').values({ id: guestId }).execute();
      const { id } = await t.db.insertInto('conversations').values({ guest_id: guestId, type: 'general', last_seq: 10, subject: `number ${i}` }).returning('id').executeTakeFirstOrThrow();
      await t.db
        .insertInto('messages')
        .values(Array.from({ length: 10 }, (_, k) => ({ conversation_id: id, seq: k + 1, sender_type: 'guest' as const, guest_id: guestId, message: `${i}:${k + 1}`, message_type: 'text' as const })))
        .execute();
      ids.push(id);
    }
    const asked = Array.from({ length: 300 }, (_, n) => ({ id: n % 31 === 30 ? randomUUID() : ids[n % 30]!, from: 1 + (n % 7), to: (n % 7) + (n % 5) }));
    const [conversations, ranges] = await Promise.all([
      Promise.all(asked.map((a) => findConversationPrepared(t.db, a.id))),
      Promise.all(asked.map((a) => listMessagesBySeqPrepared(t.db, a.id, a.from, a.to))),
    ]);
    asked.forEach((a, n) => {
      const i = ids.indexOf(a.id);
      if (i < 0) {
        expect(conversations[n]).toBeUndefined();
        expect(ranges[n]).toEqual([]);
        return;
      }
      expect(conversations[n]).toMatchObject({ id: a.id, subject: `number ${i}` });
      const expected = Array.from({ length: Math.max(0, a.to - a.from + 1) }, (_, k) => `${i}:${a.from + k}`);
      expect(ranges[n]!.map((m) => m.message)).toEqual(expected);
    });
  });
});
