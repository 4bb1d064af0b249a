import { describe, expect, it } from 'vitest';
import { ConversationEndedError, ConversationSession, MAX_MESSAGE_LENGTH, type Message, type SessionOptions } from '../../client/src/index.js';
import { MAX_MESSAGE_LENGTH as SERVER_MAX_MESSAGE_LENGTH } from '../../src/router/messages.schema.js';
import { CONVERSATION, FakeClock, FakeTransport, message, ours, page } from './fakes.js';

function setup(options: Partial<SessionOptions> = {}) {
  const transport = new FakeTransport();
  const clock = new FakeClock();
  let ids = 0;
  const session = new ConversationSession({ transport, ours, clock, conversationId: CONVERSATION, newId: () => `cm-${++ids}`, ...options });
  /** Connects and answers join and the newest page (and the catch-up, when join says there is more). */
  async function connect(history: Message[] = [], lastSeq = history.at(-1)?.seq ?? 0) {
    session.connected();
    await transport.open('join').resolve({ lastSeq });
    if (transport.has('history')) await transport.open('history').resolve(page(history));
    if (transport.has('sync')) await transport.open('sync').resolve(page([]));
    expect(session.getState().ready).toBe(true);
  }
  const state = () => session.getState();
  const seqs = () => state().messages.map((m) => m.seq);
  return { transport, clock, session, connect, state, seqs };
}

const mine = (seq: number, clientMessageId: string, text: string) =>
  message(seq, { from: 'guest', clientMessageId, message: text });

describe('ConversationSession: the message store', () => {
  it('joins, loads the newest page, then catches up from its newest seq', async () => {
    const { transport, session, state, seqs } = setup();
    session.connected();
    expect(transport.open('join').args).toEqual([CONVERSATION]);
    await transport.open('join').resolve({ lastSeq: 5 });
    expect(transport.open('history').args).toEqual([CONVERSATION, { limit: 30 }]);
    await transport.open('history').resolve(page([message(2), message(3)], true));
    expect(transport.open('sync').args).toEqual([CONVERSATION, 3, 100]);
    expect(state().ready).toBe(false);
    await transport.open('sync').resolve(page([message(4), message(5)]));
    expect(seqs()).toEqual([2, 3, 4, 5]);
    expect(state()).toMatchObject({ ready: true, syncedSeq: 5, hasOlder: true, historyLoaded: true, connection: 'online' });
  });

  it('skips the catch-up when join says nothing is newer than what it holds', async () => {
    const { transport, connect } = setup();
    await connect([message(1), message(2)]);
    expect(transport.all('sync')).toHaveLength(0);
  });

  it('orders live messages by seq, ignores duplicates, and syncs from syncedSeq when one is missing', async () => {
    const { transport, session, connect, state, seqs } = setup();
    await connect([message(1)]);
    session.received(message(2));
    session.received(message(2));
    expect(transport.has('sync')).toBe(false);
    session.received(message(4));
    expect(seqs()).toEqual([1, 2, 4]);
    expect(state().syncedSeq).toBe(2);
    expect(transport.open('sync').args).toEqual([CONVERSATION, 2, 100]);
    // 5 arrives while the catch-up runs: it asks for another run instead of a second request.
    session.received(message(5));
    expect(transport.all('sync')).toHaveLength(1);
    await transport.open('sync').resolve(page([message(3), message(4)]));
    expect(transport.open('sync').args).toEqual([CONVERSATION, 5, 100]);
    await transport.open('sync').resolve(page([]));
    expect(seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(state().syncedSeq).toBe(5);
    expect(transport.has('sync')).toBe(false);
  });

  it('catches up page by page while the server has more', async () => {
    const { transport, session } = setup();
    session.connected();
    await transport.open('join').resolve({ lastSeq: 250 });
    await transport.open('history').resolve(page([]));
    await transport.open('sync').resolve(page(Array.from({ length: 100 }, (_, i) => message(i + 1)), true));
    expect(transport.open('sync').args[1]).toBe(100);
    await transport.open('sync').resolve(page([message(101)], false));
    expect(session.getState()).toMatchObject({ ready: true, syncedSeq: 101 });
  });

  it('on a reconnect, takes what it missed from the join answer and makes no sync call', async () => {
    const { transport, session, connect, state, seqs } = setup();
    await connect([message(1), message(2)]);
    session.send('stored, answer lost');
    session.disconnected();
    session.connected();
    expect(transport.open('join').args).toEqual([CONVERSATION, 2]);
    await transport.open('join').resolve({ lastSeq: 4, missed: page([mine(3, 'cm-1', 'stored, answer lost'), message(4)]) });
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(state()).toMatchObject({ ready: true, syncedSeq: 4, outbox: [] });
    expect(transport.all('sync')).toHaveLength(0);
    expect(transport.all('history')).toHaveLength(1);
    // The page showed it stored: it is not sent a second time.
    expect(transport.all('send')).toHaveLength(1);
  });

  it('on a reconnect whose join page says hasMore, goes on with sync from the end of that page', async () => {
    const { transport, session, connect, state, seqs } = setup();
    await connect([message(1)]);
    session.disconnected();
    session.connected();
    expect(transport.open('join').args).toEqual([CONVERSATION, 1]);
    const missed = Array.from({ length: 100 }, (_, i) => message(i + 2));
    await transport.open('join').resolve({ lastSeq: 150, missed: page(missed, true) });
    expect(state()).toMatchObject({ ready: false, syncedSeq: 101 });
    expect(transport.open('sync').args).toEqual([CONVERSATION, 101, 100]);
    await transport.open('sync').resolve(page(Array.from({ length: 49 }, (_, i) => message(i + 102))));
    expect(seqs()).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(state()).toMatchObject({ ready: true, syncedSeq: 150 });
    expect(transport.has('sync')).toBe(false);
  });

  it('on a reconnect, syncs after a complete join page only when a gap remains', async () => {
    const { transport, session, connect, state } = setup();
    await connect([message(1)]);
    session.disconnected();
    session.connected();
    // Heard live while the join was on its way, past what the page will hold.
    session.received(message(4));
    await transport.open('join').resolve({ lastSeq: 2, missed: page([message(2)]) });
    expect(transport.open('sync').args).toEqual([CONVERSATION, 2, 100]);
    await transport.open('sync').resolve(page([message(3), message(4)]));
    expect(state()).toMatchObject({ ready: true, syncedSeq: 4 });
  });

  it('loads older pages before the oldest seq it holds, one at a time', async () => {
    const { transport, session, state, seqs } = setup({ pageSize: 2 });
    session.connected();
    await transport.open('join').resolve({ lastSeq: 6 });
    await transport.open('history').resolve(page([message(5), message(6)], true));
    void session.loadOlder();
    void session.loadOlder();
    expect(transport.all('history')).toHaveLength(2);
    expect(state().loadingOlder).toBe(true);
    expect(transport.open('history').args).toEqual([CONVERSATION, { limit: 2, before: 5 }]);
    await transport.open('history').resolve(page([message(3), message(4)], false));
    expect(seqs()).toEqual([3, 4, 5, 6]);
    expect(state()).toMatchObject({ hasOlder: false, loadingOlder: false, syncedSeq: 6 });
    void session.loadOlder();
    expect(transport.all('history')).toHaveLength(2);
  });
});

describe('ConversationSession: the outbox', () => {
  it('keeps messages pending until joined and caught up, then sends them in order, one at a time', async () => {
    const { transport, session, connect, state } = setup();
    expect(session.send('  first  ')).toMatchObject({ ok: true, item: { text: 'first', state: 'pending' } });
    session.send('second');
    expect(session.send('   ')).toEqual({ ok: false, reason: 'empty', message: 'Write a message first.' });
    expect(transport.all('send')).toHaveLength(0);

    await connect();
    expect(transport.all('send')).toHaveLength(1);
    expect(transport.open('send').args).toEqual([{ conversationId: CONVERSATION, message: 'first', clientMessageId: 'cm-1' }]);
    expect(state().outbox.map((i) => i.state)).toEqual(['sending', 'pending']);

    await transport.open('send').resolve(mine(1, 'cm-1', 'first'));
    expect(state().messages.map((m) => m.message)).toEqual(['first']);
    expect(transport.open('send').args[0].clientMessageId).toBe('cm-2');
    await transport.open('send').resolve(mine(2, 'cm-2', 'second'));
    expect(state().outbox).toEqual([]);
    expect(state().messages.map((m) => m.clientMessageId)).toEqual(['cm-1', 'cm-2']);
  });

  it('takes no text the server would refuse for its length', () => {
    const { session, state } = setup();
    // The core cannot import the server's value (that would bundle zod): this keeps the two equal.
    expect(MAX_MESSAGE_LENGTH).toBe(SERVER_MAX_MESSAGE_LENGTH);
    expect(session.send('x'.repeat(MAX_MESSAGE_LENGTH + 1))).toEqual({ ok: false, reason: 'too-long', message: 'Messages can be up to 5000 characters.' });
    expect(session.send(` ${'x'.repeat(MAX_MESSAGE_LENGTH)} `).ok).toBe(true);
    expect(state().outbox).toHaveLength(1);
  });

  it("fails a refused message with the server's reason, goes on with the next, and retries it with the same clientMessageId", async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('one');
    session.send('two');
    await transport.open('send').reject(new Error('Too many requests, try again later'));
    expect(state().outbox[0]).toMatchObject({ text: 'one', state: 'failed', error: 'Too many requests, try again later' });
    expect(transport.open('send').args[0].message).toBe('two');
    await transport.open('send').resolve(mine(1, 'cm-2', 'two'));

    expect(session.retry('cm-1')).toBe(true);
    expect(session.retry('cm-1')).toBe(false);
    expect(transport.open('send').args[0]).toMatchObject({ clientMessageId: 'cm-1', message: 'one' });
    await transport.open('send').resolve(mine(2, 'cm-1', 'one'));
    expect(state().outbox).toEqual([]);
  });

  it('sends what was in flight at a disconnect again after the reconnect, once, and ignores the late answer', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('in flight');
    const lost = transport.open('send');
    session.disconnected();
    expect(state()).toMatchObject({ connection: 'reconnecting', ready: false });
    expect(state().outbox[0]!.state).toBe('pending');
    session.send('written offline');

    // The answer to the abandoned try comes late: it is not taken as this message's fate.
    await lost.reject(new Error('The server did not answer'));
    expect(state().outbox.map((i) => i.state)).toEqual(['pending', 'pending']);

    session.connected();
    await transport.open('join').resolve({ lastSeq: 0 });
    expect(transport.all('send')).toHaveLength(2);
    const again = transport.open('send');
    expect(again.args[0]).toMatchObject({ clientMessageId: 'cm-1', message: 'in flight' });
    await again.resolve(mine(1, 'cm-1', 'in flight'));
    await transport.open('send').resolve(mine(2, 'cm-2', 'written offline'));
    expect(transport.all('send').map((c) => c.args[0].clientMessageId)).toEqual(['cm-1', 'cm-1', 'cm-2']);
    expect(state().messages.map((m) => m.message)).toEqual(['in flight', 'written offline']);
  });

  it('ignores a success that answers a try abandoned at a disconnect, and sends it again (the server keeps one copy)', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('hello');
    const lost = transport.open('send');
    session.disconnected();
    await lost.resolve(mine(1, 'cm-1', 'hello'));
    expect(state().outbox).toMatchObject([{ clientMessageId: 'cm-1', state: 'pending' }]);
    expect(state().messages).toEqual([]);
    session.connected();
    await transport.open('join').resolve({ lastSeq: 0 });
    expect(transport.open('send').args[0].clientMessageId).toBe('cm-1');
  });

  it('does not send again what the catch-up shows the server stored before the connection dropped', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('stored, answer lost');
    session.disconnected();
    session.connected();
    await transport.open('join').resolve({ lastSeq: 1 });
    await transport.open('sync').resolve(page([mine(1, 'cm-1', 'stored, answer lost')]));
    expect(transport.all('send')).toHaveLength(1);
    expect(state().outbox).toEqual([]);
  });

  it('takes its own live copy as the answer and sends the next without waiting for the ack', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('one');
    session.send('two');
    const first = transport.open('send');
    session.received(mine(1, 'cm-1', 'one'));
    expect(state().outbox.map((i) => i.text)).toEqual(['two']);
    expect(transport.all('send').map((c) => c.args[0].message)).toEqual(['one', 'two']);
    await first.resolve(mine(1, 'cm-1', 'one'));
    expect(state().messages).toHaveLength(1);
    expect(state().outbox.map((i) => i.state)).toEqual(['sending']);
  });

  it('fails what a closed conversation refuses, and anything sent to it after', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.send('too late');
    await transport.open('send').reject(new ConversationEndedError('Conversation is closed'));
    expect(state()).toMatchObject({ ended: 'Conversation is closed', ready: false });
    session.send('later still');
    expect(state().outbox.map((i) => `${i.state}:${i.error}`)).toEqual(['failed:Conversation is closed', 'failed:Conversation is closed']);
    expect(transport.all('send')).toHaveLength(1);
  });

  it("with whenEnded 'hold', carries the outbox over to the next conversation once", async () => {
    const next = '00000000-0000-4000-8000-000000000002';
    const { transport, session, connect, state } = setup({ whenEnded: 'hold' });
    await connect([message(1)]);
    session.send('a new question');
    await transport.open('send').reject(new ConversationEndedError('Conversation is closed'));
    expect(state()).toMatchObject({ ended: 'Conversation is closed', outbox: [expect.objectContaining({ state: 'pending' })] });

    session.setConversation(next);
    expect(state()).toMatchObject({ conversationId: next, ended: null, messages: [], syncedSeq: 0 });
    expect(transport.open('join').args).toEqual([next]);
    await transport.open('join').resolve({ lastSeq: 0 });
    await transport.open('history').resolve(page([]));
    expect(transport.open('send').args[0]).toEqual({ conversationId: next, message: 'a new question', clientMessageId: 'cm-1' });
    // Refused again: this time it fails.
    await transport.open('send').reject(new ConversationEndedError('Conversation is closed'));
    expect(state().outbox[0]).toMatchObject({ state: 'failed', error: 'Conversation is closed' });
  });
});

describe('ConversationSession: connection trouble', () => {
  it('reports a failed join and tries again after 3 s while connected', async () => {
    const { transport, clock, session, state } = setup();
    session.connected();
    await transport.open('join').reject(new Error('Service temporarily unavailable, retry shortly'));
    expect(state().error).toBe('Service temporarily unavailable, retry shortly');
    clock.advance(2_999);
    expect(transport.has('join')).toBe(false);
    clock.advance(1);
    await transport.open('join').resolve({ lastSeq: 0 });
    await transport.open('history').resolve(page([]));
    expect(state()).toMatchObject({ ready: true, error: null });
  });

  it('drops a catch-up begun on a connection that has since gone', async () => {
    const { transport, session, state } = setup();
    session.connected();
    const staleJoin = transport.open('join');
    session.disconnected();
    await staleJoin.resolve({ lastSeq: 3 });
    expect(transport.has('history')).toBe(false);
    expect(state().ready).toBe(false);
  });

  it('catches up afresh after a reconnect instead of waiting on a catch-up the old connection left hanging', async () => {
    const { transport, session, connect, state, seqs } = setup();
    await connect([message(1)]);
    session.received(message(3));
    const hanging = transport.open('sync');
    session.disconnected();
    session.connected();
    await transport.open('join').resolve({ lastSeq: 3 });
    const fresh = transport.all('sync')[1]!;
    expect(fresh.args).toEqual([CONVERSATION, 1, 100]);
    await fresh.resolve(page([message(2), message(3)]));
    expect(state().ready).toBe(true);
    await hanging.reject(new Error('The server did not answer'));
    expect(state().error).toBeNull();
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('ends on a join the server refuses for good, without retrying', async () => {
    const { transport, clock, session, state } = setup();
    session.connected();
    await transport.open('join').reject(new ConversationEndedError('Conversation not found'));
    clock.advance(10_000);
    expect(transport.all('join')).toHaveLength(1);
    expect(state().ended).toBe('Conversation not found');
  });
});

describe('ConversationSession: typing', () => {
  it('sends typing start on input and stop after 3 s idle or on send, only when ready', async () => {
    const { transport, clock, session, connect } = setup();
    session.input('early');
    expect(transport.all('typing')).toHaveLength(0);
    await connect();
    session.input('H');
    session.input('Hi');
    clock.advance(3_000);
    session.input('Hi again');
    session.send('Hi again');
    expect(transport.all('typing').map((c) => c.args)).toEqual([
      [CONVERSATION, true],
      [CONVERSATION, false],
      [CONVERSATION, true],
      [CONVERSATION, false],
    ]);
  });

  it('shows their typing until their message, a stop, a disconnect, or 10 s', async () => {
    const { clock, session, connect, state } = setup();
    await connect();
    session.theirTyping(true, 'admin');
    expect(state().theirTyping).toBe('admin');
    session.received(message(1));
    expect(state().theirTyping).toBeNull();

    session.theirTyping(true, 'admin');
    session.received(mine(2, 'cm-x', 'our own message does not hide theirs'));
    expect(state().theirTyping).toBe('admin');
    clock.advance(9_999);
    expect(state().theirTyping).toBe('admin');
    clock.advance(1);
    expect(state().theirTyping).toBeNull();

    session.theirTyping(true, 'admin');
    session.disconnected();
    expect(state().theirTyping).toBeNull();
  });
});

describe('ConversationSession: read receipts', () => {
  it("marks the other side's unread messages read once each, while visible and ready", async () => {
    const { transport, session, connect, state } = setup();
    const history = [
      message(1),
      message(2, { from: 'guest' }),
      message(3, { messageType: 'system', senderType: 'system', senderId: null }),
      message(4, { isRead: true }),
      message(5),
    ];
    await connect(history);
    expect(state().unread).toBe(2);
    expect(transport.all('markRead')).toHaveLength(0);

    session.setVisible(true);
    expect(transport.all('markRead').map((c) => c.args[0])).toEqual(['m1', 'm5']);
    expect(state().unread).toBe(0);
    session.setVisible(false);
    session.setVisible(true);
    session.received(message(1));
    expect(transport.all('markRead')).toHaveLength(2);

    session.received(message(6));
    expect(transport.all('markRead').map((c) => c.args[0])).toEqual(['m1', 'm5', 'm6']);
    session.read('m6');
    expect(state().messages.at(-1)!.isRead).toBe(true);
  });

  it('asks again for a message whose marking failed', async () => {
    const { transport, session, connect, state } = setup();
    await connect([message(1)]);
    session.setVisible(true);
    await transport.open('markRead').reject(new Error('nope'));
    expect(state().unread).toBe(1);
    session.setVisible(true);
    expect(transport.all('markRead').map((c) => c.args[0])).toEqual(['m1', 'm1']);
  });

  it('counts unread messages while hidden and marks none until they can be seen', async () => {
    const { transport, session, connect, state } = setup();
    await connect();
    session.received(message(1));
    session.setVisible(true);
    session.setVisible(false);
    session.received(message(2));
    session.received(message(3));
    expect(state().unread).toBe(2);
    expect(transport.all('markRead').map((c) => c.args[0])).toEqual(['m1']);
    session.setVisible(true);
    expect(transport.all('markRead').map((c) => c.args[0])).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('ConversationSession: state for views', () => {
  it('hands out the same frozen snapshot until something changes, and notifies subscribers', async () => {
    const { session, connect } = setup();
    let calls = 0;
    const unsubscribe = session.subscribe(() => calls++);
    const before = session.getState();
    expect(session.getState()).toBe(before);
    expect(Object.isFrozen(before)).toBe(true);
    await connect();
    expect(calls).toBeGreaterThan(0);
    const after = session.getState();
    expect(after).not.toBe(before);
    expect(before.ready).toBe(false);
    unsubscribe();
    const seen = calls;
    session.send('quiet');
    expect(calls).toBe(seen);
  });
});
