import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import type { Db } from '../../src/db/connect.js';
import { person } from '../support/server.js';
import { check, summary, type Ack, type Attempt, type MemberView, type StoredMessage, type Verdict } from './checker.js';

/** Client-side clients of the reliability scenarios and the bookkeeping the checker reads. */

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface WireMessage {
  id: string;
  conversationId: string;
  seq: number;
  message: string;
  clientMessageId: string | null;
}
type Envelope = { success: true; data: any } | { success: false; message: string };

/** Everything that happened in a run, from the clients' side. */
export class Recorder {
  readonly attempts = new Map<string, Attempt>();
  readonly acks: Ack[] = [];
  readonly stats = {
    /** message:send events emitted, retries included. */
    sends: 0,
    /** Sends answered with a failure (the message is in failures). */
    failed: 0,
    /** Sends with no answer: the connection dropped or the ack timed out. */
    unanswered: 0,
    /** Connections cut by the workload on purpose. */
    cuts: 0,
    /** Connections opened, first ones included. */
    connects: 0,
    /** Connection attempts refused or timed out (the server was away). */
    refusedConnects: 0,
    syncs: 0,
    /** A live message:received whose seq another message already had in this view. */
    seqConflicts: 0,
    /** The same message:received twice on one connection. */
    repeatedDeliveries: 0,
  };
  /** Failed acknowledgements by message, and message:error events by code. */
  readonly failures: Record<string, number> = {};
  readonly errorCodes: Record<string, number> = {};
  private readonly ackListeners: ((count: number) => void)[] = [];

  attempt(a: Attempt): void {
    if (!this.attempts.has(a.text)) this.attempts.set(a.text, a);
  }

  ack(a: Ack): void {
    this.acks.push(a);
    for (const listener of this.ackListeners) listener(this.acks.length);
  }

  /** Called with the number of acknowledgements after each one (to time a fault). */
  onAck(listener: (count: number) => void): void {
    this.ackListeners.push(listener);
  }
}

export interface ClientOptions {
  name: string;
  conversationId: string;
  auth: Record<string, string>;
  /** Where the server is right now. */
  url: () => string;
  recorder: Recorder;
  ackTimeoutMs?: number;
  /** How long to keep trying to reconnect while the server is away. */
  reconnectForMs?: number;
}

/**
 * A chat client as the contract expects one to behave: it keeps its view of one
 * conversation gap-free by `seq` (a live message that leaves a gap triggers a sync), and
 * after any disconnect it reconnects, joins, then syncs from its last seq. Sends carry a
 * clientMessageId and are retried with it until acknowledged.
 */
export class ChatClient {
  socket: Socket | undefined;
  readonly view: WireMessage[] = [];
  private readonly seen = new Map<number, string>();
  lastSeq = 0;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private stale = false;
  private opening: Promise<void> | undefined;
  /** Ids delivered live on the current connection: the contract says once each. */
  private liveIds = new Set<string>();

  constructor(readonly options: ClientOptions) {}

  get name() {
    return this.options.name;
  }

  get conversationId() {
    return this.options.conversationId;
  }

  /** Connected, joined and caught up; reconnects first when needed. */
  ready(): Promise<void> {
    if (this.socket?.connected && !this.stale && !this.opening) return Promise.resolve();
    this.opening ??= this.reconnect().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async reconnect(): Promise<void> {
    const deadline = Date.now() + (this.options.reconnectForMs ?? 30_000);
    for (;;) {
      try {
        await this.open();
        return;
      } catch (error) {
        this.options.recorder.stats.refusedConnects++;
        if (Date.now() > deadline) throw new Error(`${this.name} could not reconnect: ${(error as Error).message}`);
        await sleep(100);
      }
    }
  }

  private async open(): Promise<void> {
    this.close();
    const { recorder } = this.options;
    const socket = io(`${this.options.url()}/support`, {
      auth: this.options.auth,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 3_000,
    });
    this.socket = socket;
    this.liveIds = new Set();
    socket.on('message:received', (m: WireMessage) => this.onLive(m));
    socket.on('message:error', (e: { code: string }) => void (recorder.errorCodes[e.code] = (recorder.errorCodes[e.code] ?? 0) + 1));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no connection:success')), 5_000);
      socket.once('connection:success', () => (clearTimeout(timer), resolve()));
      socket.once('connect_error', (error) => (clearTimeout(timer), reject(error)));
      socket.once('disconnect', (reason) => (clearTimeout(timer), reject(new Error(`disconnected: ${reason}`))));
    });
    // Join first: from here on live messages flow, and the sync covers everything before.
    const joined = (await socket.timeout(5_000).emitWithAck('conversation:join', { conversationId: this.conversationId })) as Envelope;
    if (!joined.success) throw new Error(`join failed: ${joined.message}`);
    this.stale = false;
    await this.sync();
    recorder.stats.connects++;
  }

  /** Fetches everything after lastSeq, page by page. Concurrent calls share one run. */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = (async () => {
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain);
    })().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    const socket = this.socket;
    if (!socket) throw new Error('not connected');
    for (;;) {
      this.options.recorder.stats.syncs++;
      const ack = (await socket
        .timeout(this.options.ackTimeoutMs ?? 5_000)
        .emitWithAck('conversation:sync', { conversationId: this.conversationId, afterSeq: this.lastSeq, limit: 100 })) as Envelope;
      if (!ack.success) throw new Error(`sync failed: ${ack.message}`);
      // Appended as given, gaps and all: the checker judges what the server handed out.
      for (const m of ack.data.messages as WireMessage[]) {
        if (m.seq > this.lastSeq) this.append(m);
      }
      if (!ack.data.pagination.hasMore) return;
    }
  }

  private append(m: WireMessage): void {
    this.view.push(m);
    this.seen.set(m.seq, m.id);
    this.lastSeq = m.seq;
  }

  private onLive(m: WireMessage): void {
    if (m.conversationId !== this.conversationId) return;
    if (this.liveIds.has(m.id)) this.options.recorder.stats.repeatedDeliveries++;
    this.liveIds.add(m.id);
    if (m.seq <= this.lastSeq) {
      // Already held; it had better be the same message.
      const held = this.seen.get(m.seq);
      if (held !== undefined && held !== m.id) this.options.recorder.stats.seqConflicts++;
      return;
    }
    if (m.seq === this.lastSeq + 1) return this.append(m);
    // A gap: something was missed (a reconnect, a send racing the join). Fetch it.
    this.sync().catch(() => (this.stale = true));
  }

  /** One message:send; records the acknowledgement. Undefined when it failed or got none. */
  async sendOnce(text: string, clientMessageId: string, cutProbability = 0, random: () => number = Math.random): Promise<WireMessage | undefined> {
    const { recorder } = this.options;
    await this.ready();
    const socket = this.socket!;
    recorder.stats.sends++;
    const pending = socket
      .timeout(this.options.ackTimeoutMs ?? 10_000)
      .emitWithAck('message:send', { conversationId: this.conversationId, message: text, clientMessageId }) as Promise<Envelope>;
    if (cutProbability > 0 && random() < cutProbability) {
      // The connection drops while the send is in flight: sometimes before the frame
      // leaves, sometimes after the server stored it but before the ack comes back.
      recorder.stats.cuts++;
      const delay = Math.floor(random() * 4);
      const how = random() < 0.5 ? 'client' : 'transport';
      setTimeout(() => this.cut(socket, how), delay);
    }
    let ack: Envelope;
    try {
      ack = await pending;
    } catch {
      recorder.stats.unanswered++;
      return undefined;
    }
    if (!ack.success) {
      recorder.stats.failed++;
      recorder.failures[ack.message] = (recorder.failures[ack.message] ?? 0) + 1;
      return undefined;
    }
    const m = ack.data as WireMessage;
    recorder.ack({ client: this.name, conversationId: this.conversationId, clientMessageId, text: m.message, id: m.id, seq: m.seq });
    return m;
  }

  /** Sends until acknowledged, always with the same clientMessageId. */
  async deliver(text: string, options: { cutProbability?: number; random?: () => number; clientMessageId?: string; maxAttempts?: number } = {}) {
    const clientMessageId = options.clientMessageId ?? randomUUID();
    this.options.recorder.attempt({ client: this.name, conversationId: this.conversationId, clientMessageId, text });
    for (let attempt = 1; attempt <= (options.maxAttempts ?? 100); attempt++) {
      const stored = await this.sendOnce(text, clientMessageId, options.cutProbability, options.random);
      if (stored) return stored;
      await sleep(Math.min(500, 10 * 2 ** Math.min(attempt, 6)));
    }
    return undefined;
  }

  cut(socket = this.socket, how: 'client' | 'transport' = 'client'): void {
    if (!socket?.connected) return;
    if (how === 'client') socket.disconnect();
    else socket.io.engine.close();
  }

  /** Reconnects if needed and catches up: the member's view after its final sync. */
  async finalSync(): Promise<MemberView> {
    // A cut scheduled during the last send may still land: reconnect and sync again.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ready();
        await this.sync();
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.stale = true;
      }
    }
    return { member: this.name, conversationId: this.conversationId, messages: [...this.view] };
  }

  close(): void {
    if (!this.socket) return;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.socket = undefined;
  }
}

async function rest(url: string, path: string, init: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url + path, {
    method: init.body !== undefined ? 'POST' : 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as Envelope;
  if (!response.ok || !body.success) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Conversations and their members: each conversation has an owner (guests and users in
 * turn) and `agents` admins, every one of them a client that sends and keeps a view.
 */
export async function createMembers(
  url: () => string,
  recorder: Recorder,
  layout: { conversations: number; agents: number; tabs?: number },
): Promise<ChatClient[][]> {
  const groups: ChatClient[][] = [];
  for (let c = 0; c < layout.conversations; c++) {
    let owner: Record<string, string>;
    let conversationId: string;
    if (c % 2 === 0) {
      const data = await rest(url(), '/api/support/conversation/guest', { body: { subject: `reliability ${c}` } });
      owner = { guestId: data.guestId };
      conversationId = data.conversation.id;
    } else {
      const user = await person('user');
      conversationId = (await rest(url(), '/api/support/conversation', { token: user.token })).id;
      owner = { token: user.token };
    }
    const admins = await Promise.all(Array.from({ length: layout.agents }, () => person('admin')));
    const identities = [
      { name: `c${c}-owner`, auth: owner },
      ...admins.map((a, i) => ({ name: `c${c}-agent${i}`, auth: { token: a.token } })),
    ];
    const group: ChatClient[] = [];
    for (const { name, auth } of identities) {
      for (let tab = 0; tab < (layout.tabs ?? 1); tab++) {
        group.push(new ChatClient({ name: tab === 0 ? name : `${name}-tab${tab}`, conversationId, auth, url, recorder }));
      }
    }
    groups.push(group);
  }
  await Promise.all(groups.flat().map((client) => client.ready()));
  return groups;
}

/** Every message of these conversations, as the database holds them. */
export async function storedMessages(db: Db, conversationIds: string[]): Promise<StoredMessage[]> {
  const rows = await db
    .selectFrom('messages')
    .select(['id', 'conversation_id', 'seq', 'message', 'client_message_id'])
    .where('conversation_id', 'in', conversationIds)
    .orderBy('conversation_id')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id, seq: r.seq, message: r.message, clientMessageId: r.client_message_id }));
}

/** Each member's view after its final sync (reconnecting first when needed). */
export function finalViews(clients: ChatClient[]): Promise<MemberView[]> {
  return Promise.all(clients.map((c) => c.finalSync()));
}

/** The checker over a run, and one line with its numbers in the CI log. */
export function verify(
  name: string,
  views: MemberView[],
  recorder: Recorder,
  database: StoredMessage[],
  extra: Record<string, number | string> = {},
): Verdict {
  const verdict = check({ attempts: [...recorder.attempts.values()], acks: recorder.acks, database, views });
  const s = recorder.stats;
  console.log(
    summary(name, verdict, {
      sends: s.sends,
      failedSends: s.failed,
      unanswered: s.unanswered,
      cuts: s.cuts,
      reconnects: s.connects - views.length,
      members: views.length,
      ...extra,
    }),
  );
  if (!verdict.ok) console.log(verdict.problems.join('\n'));
  return verdict;
}

/** What every scenario promises: all acknowledged, nothing lost, nothing twice, in order. */
export function expectNothingLost(verdict: Verdict, recorder: Recorder, acked: number): void {
  expect(verdict.problems).toEqual([]);
  expect(verdict).toMatchObject({
    ok: true,
    acked,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    gaps: 0,
    conflictingAcks: 0,
    phantoms: 0,
    divergentViews: 0,
  });
  expect(verdict.stored).toBeGreaterThanOrEqual(acked);
  expect(recorder.stats.seqConflicts).toBe(0);
  expect(recorder.stats.repeatedDeliveries).toBe(0);
  // Faults may fail a send with a retryable error, never with a bug.
  expect(recorder.errorCodes.INTERNAL_SERVER_ERROR ?? 0).toBe(0);
  expect(recorder.failures['Internal server error'] ?? 0).toBe(0);
}

export const conversationsOf = (clients: ChatClient[]) => [...new Set(clients.map((c) => c.conversationId))];
