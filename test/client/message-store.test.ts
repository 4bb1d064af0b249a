import { describe, expect, it } from 'vitest';
import { MessageStore } from '../../client/src/index.js';
import { CONVERSATION, message, page } from './fakes.js';

const seqs = (store: MessageStore) => store.messages.map((m) => m.seq);

describe('MessageStore', () => {
  it('keeps messages in seq order whatever order they arrive in', () => {
    const store = new MessageStore(CONVERSATION);
    store.addNewest(page([]));
    for (const seq of [3, 1, 5, 2, 4]) store.add(message(seq));
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5]);
    expect(store.syncedSeq).toBe(5);
    expect(store.hasGap).toBe(false);
  });

  it('stores a message once: the first copy wins, only the read flag moves', () => {
    const store = new MessageStore(CONVERSATION);
    const live = message(1, { messageType: 'auth_code', message: '123456' });
    expect(store.add(live)).toBe('added');
    expect(store.add(message(1, { messageType: 'auth_code', message: 'This verification code has been used.' }))).toBe('none');
    expect(store.add(message(1, { message: 'other', isRead: true }))).toBe('read');
    expect(store.messages).toHaveLength(1);
    expect(store.messages[0]).toMatchObject({ message: '123456', isRead: true });
    // Read never goes back to unread.
    expect(store.add(message(1))).toBe('none');
    expect(store.get('m1')?.isRead).toBe(true);
  });

  it("ignores other conversations' messages and payloads that are not messages", () => {
    const store = new MessageStore(CONVERSATION);
    expect(store.add(message(1, { conversationId: '00000000-0000-4000-8000-000000000002' }))).toBe('none');
    expect(store.add(null as never)).toBe('none');
    expect(store.add({ id: 7 } as never)).toBe('none');
    expect(store.messages).toEqual([]);
  });

  it('detects a gap above syncedSeq and closes it with a catch-up page', () => {
    const store = new MessageStore(CONVERSATION);
    store.addNewest(page([message(1), message(2)]));
    expect(store.syncedSeq).toBe(2);
    store.add(message(5));
    expect(store.hasGap).toBe(true);
    expect(store.syncedSeq).toBe(2);
    store.addSynced(page([message(3), message(4), message(5)]));
    expect(store.hasGap).toBe(false);
    expect(store.syncedSeq).toBe(5);
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5]);
  });

  it('takes a catch-up page as complete up to its last message, even past a seq that never existed', () => {
    const store = new MessageStore(CONVERSATION);
    store.addNewest(page([message(1)]));
    store.addSynced(page([message(3), message(4)]));
    expect(store.syncedSeq).toBe(4);
    expect(store.hasGap).toBe(false);
  });

  it('does not count live messages before the newest page as a gap, and counts from that page on', () => {
    const store = new MessageStore(CONVERSATION);
    store.add(message(42));
    expect(store.hasGap).toBe(false);
    expect(store.syncedSeq).toBe(0);
    store.addNewest(page([message(39), message(40)], true));
    // 41 is missing between the page and the live message.
    expect(store.syncedSeq).toBe(40);
    expect(store.hasGap).toBe(true);
    expect(store.hasOlder).toBe(true);
  });

  it('prepends older pages below the newest without touching syncedSeq', () => {
    const store = new MessageStore(CONVERSATION);
    store.addNewest(page([message(31), message(32)], true));
    expect(store.oldestSeq).toBe(31);
    const added = store.addOlder(page([message(29), message(30), message(31)], true));
    expect(added.map((m) => m.seq)).toEqual([29, 30]);
    expect(seqs(store)).toEqual([29, 30, 31, 32]);
    expect(store.syncedSeq).toBe(32);
    expect(store.hasOlder).toBe(true);
    store.addOlder(page([message(28)], false));
    expect(store.hasOlder).toBe(false);
  });

  it('gives views a new array and a new message object only when something changed', () => {
    const store = new MessageStore(CONVERSATION);
    store.addNewest(page([message(1), message(2)]));
    const before = store.messages;
    expect(store.messages).toBe(before);
    expect(store.markRead('m2')).toBe(true);
    expect(store.markRead('m2')).toBe(false);
    const after = store.messages;
    expect(after).not.toBe(before);
    expect(after[0]).toBe(before[0]);
    expect(before[1]!.isRead).toBe(false);
    expect(after[1]!.isRead).toBe(true);
    expect(Object.isFrozen(after)).toBe(true);
  });
});
