import type { Clock, ConversationTransport, Message, Page } from '../../client/src/index.js';

export const CONVERSATION = '00000000-0000-4000-8000-000000000001';
const GUEST = 'guest-1';

/** A message of the conversation; from the agent unless `from: 'guest'`. */
export function message(seq: number, fields: Partial<Message> & { from?: 'guest' } = {}): Message {
  const { from, ...rest } = fields;
  return {
    id: `m${seq}`,
    conversationId: CONVERSATION,
    seq,
    senderId: from === 'guest' ? null : 'agent-1',
    senderType: from === 'guest' ? 'guest' : 'admin',
    guestId: from === 'guest' ? GUEST : null,
    message: `message ${seq}`,
    messageType: 'text',
    isRead: false,
    clientMessageId: null,
    createdAt: new Date(1_700_000_000_000 + seq * 1_000).toISOString(),
    ...rest,
  };
}

export const ours = (m: Message) => m.senderType === 'guest' && m.guestId === GUEST;

export function page(messages: Message[], hasMore = false): Page {
  return { messages, pagination: { hasMore } };
}

/** Time that moves only when a test says so. */
export class FakeClock implements Clock {
  private time = 0;
  private timers: { at: number; run: () => void; id: number }[] = [];
  private ids = 0;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.time + ms, run, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (let due = this.nextDue(until); due; due = this.nextDue(until)) {
      this.time = due.at;
      this.timers = this.timers.filter((t) => t !== due);
      due.run();
    }
    this.time = until;
  }

  private nextDue(until: number) {
    return this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
  }
}

type Method = keyof ConversationTransport;
type Result<M extends Method> = Awaited<ReturnType<ConversationTransport[M]>>;

export interface Call<M extends Method = Method> {
  method: M;
  args: Parameters<ConversationTransport[M]>;
  resolve(value: Result<M>): Promise<void>;
  reject(error: Error): Promise<void>;
  settled: boolean;
}

/**
 * Records every call and leaves it open until the test answers it, so a test decides the order
 * in which answers come back (and whether they come at all).
 */
export class FakeTransport implements ConversationTransport {
  readonly calls: Call[] = [];

  join = (...args: Parameters<ConversationTransport['join']>) => this.record('join', args);
  history = (...args: Parameters<ConversationTransport['history']>) => this.record('history', args);
  sync = (...args: Parameters<ConversationTransport['sync']>) => this.record('sync', args);
  send = (...args: Parameters<ConversationTransport['send']>) => this.record('send', args);
  markRead = (...args: Parameters<ConversationTransport['markRead']>) => this.record('markRead', args);
  typing = (...args: Parameters<ConversationTransport['typing']>) => this.record('typing', args);

  /** The calls of one method, answered or not. */
  all<M extends Method>(method: M): Call<M>[] {
    return this.calls.filter((c): c is Call<M> => c.method === method);
  }

  /** The oldest unanswered call of a method; fails the test when there is none. */
  open<M extends Method>(method: M): Call<M> {
    const call = this.all(method).find((c) => !c.settled);
    if (!call) throw new Error(`no open ${method} call (calls: ${this.calls.map((c) => c.method).join(', ')})`);
    return call;
  }

  has(method: Method): boolean {
    return this.all(method).some((c) => !c.settled);
  }

  private record<M extends Method>(method: M, args: Parameters<ConversationTransport[M]>): Promise<Result<M>> {
    return new Promise<Result<M>>((resolve, reject) => {
      const call: Call<M> = {
        method,
        args,
        settled: false,
        resolve: (value) => {
          call.settled = true;
          resolve(value);
          return flush();
        },
        reject: (error) => {
          call.settled = true;
          reject(error);
          return flush();
        },
      };
      this.calls.push(call as unknown as Call);
    });
  }
}

/** Lets every promise continuation that is ready run (they all run before the next macrotask). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
