import { describe, expect, it } from 'vitest';
import { check, type Ack, type History, type StoredMessage } from './checker.js';

// The checker has to catch what it is there for: each fault below is planted in an
// otherwise clean history of one conversation with two members.
const C = 'c1';
const row = (seq: number, text = `m${seq}`, id = `id${seq}`): StoredMessage => ({
  id,
  conversationId: C,
  seq,
  message: text,
  clientMessageId: `k-${text}`,
});
const ackOf = (m: StoredMessage): Ack => ({ client: 'a', conversationId: C, clientMessageId: m.clientMessageId, text: m.message, id: m.id, seq: m.seq });

function clean(n = 5): History {
  const database = Array.from({ length: n }, (_, i) => row(i + 1));
  return {
    attempts: database.map((m) => ({ client: 'a', conversationId: C, clientMessageId: m.clientMessageId, text: m.message })),
    acks: database.map(ackOf),
    database,
    views: ['a', 'b'].map((member) => ({ member, conversationId: C, messages: [...database] })),
  };
}

describe('the delivery checker', () => {
  it('passes a clean history and counts it', () => {
    expect(check(clean())).toMatchObject({ ok: true, acked: 5, stored: 5, lost: 0, duplicated: 0, outOfOrder: 0, gaps: 0, problems: [] });
  });

  it('accepts an unacknowledged message stored once, and one never stored', () => {
    const h = clean();
    h.acks = h.acks.slice(0, 4);
    h.attempts.push({ client: 'a', conversationId: C, clientMessageId: 'k-x', text: 'never arrived' });
    expect(check(h)).toMatchObject({ ok: true, acked: 4, attempted: 6, unacknowledged: 2 });
  });

  it('finds an acknowledged message missing from the database', () => {
    const h = clean();
    h.database = h.database.filter((m) => m.seq !== 5);
    for (const v of h.views) v.messages = v.messages.filter((m) => m.seq !== 5);
    expect(check(h)).toMatchObject({ ok: false, lost: 1 });
  });

  it('finds an acknowledged message missing from one member after its sync', () => {
    const h = clean();
    h.views[1]!.messages.splice(2, 1);
    expect(check(h)).toMatchObject({ ok: false, lost: 1, gaps: 1, divergentViews: 1 });
  });

  it('finds an unacknowledged message stored twice', () => {
    const h = clean();
    h.acks.pop();
    h.database.push(row(6, 'm5', 'id6'));
    for (const v of h.views) v.messages.push(row(6, 'm5', 'id6'));
    expect(check(h)).toMatchObject({ ok: false, duplicated: 3 });
  });

  it('finds a member that holds a message twice, or out of order', () => {
    const twice = clean();
    twice.views[0]!.messages.push(row(3));
    expect(check(twice)).toMatchObject({ ok: false, duplicated: 1, outOfOrder: 1 });
    const swapped = clean();
    const m = swapped.views[0]!.messages;
    [m[1], m[2]] = [m[2]!, m[1]!];
    expect(check(swapped)).toMatchObject({ ok: false, outOfOrder: 1, divergentViews: 1 });
  });

  it('finds a gap or a repeated seq in the database', () => {
    const gap = clean();
    gap.database[4] = row(7, 'm5', 'id5');
    expect(check(gap).gaps).toBeGreaterThan(0);
    const repeated = clean();
    repeated.database[4] = row(4, 'm5', 'id5');
    expect(check(repeated).outOfOrder).toBeGreaterThan(0);
  });

  it('finds two acknowledgements of one send that disagree', () => {
    const h = clean();
    h.acks.push({ ...h.acks[0]!, id: 'other', seq: 9 });
    expect(check(h)).toMatchObject({ ok: false, conflictingAcks: 1 });
  });

  it('finds a stored message nobody sent', () => {
    const h = clean();
    h.database.push(row(6, 'ghost'));
    for (const v of h.views) v.messages.push(row(6, 'ghost'));
    expect(check(h)).toMatchObject({ ok: false, phantoms: 1 });
  });
});
