import type { Message, Page } from './wire.js';

/** What `add` did: stored a new message, moved a known one's read flag, or nothing. */
export type Change = 'added' | 'read' | 'none';

/**
 * One conversation's messages, keyed by id and kept in seq order, whatever order they arrive in.
 *
 * `syncedSeq` is the highest seq with nothing missing below it, counting from the newest page
 * of history (what is older than that comes by paging, not by catch-up). A message held above
 * it means one below is missing: `hasGap`, and the caller syncs from `syncedSeq`.
 */
export class MessageStore {
  private readonly byId = new Map<string, Message>();
  private readonly seqs = new Set<number>();
  private ordered: Message[] = [];
  private frozen: readonly Message[] | null = null;
  private anchored = false;
  private synced = 0;
  private older = false;

  constructor(readonly conversationId: string) {}

  /** In seq order; the same array until something changes, so views can compare by identity. */
  get messages(): readonly Message[] {
    return (this.frozen ??= Object.freeze([...this.ordered]));
  }

  get syncedSeq(): number {
    return this.synced;
  }

  /** The newest page has been loaded: from here on, seqs below `syncedSeq` are not missing. */
  get historyLoaded(): boolean {
    return this.anchored;
  }

  get hasOlder(): boolean {
    return this.older;
  }

  get oldestSeq(): number | undefined {
    return this.ordered[0]?.seq;
  }

  get hasGap(): boolean {
    return this.anchored && (this.ordered.at(-1)?.seq ?? 0) > this.synced;
  }

  get(id: string): Message | undefined {
    return this.byId.get(id);
  }

  /**
   * The first copy of a message wins (a live auth code keeps the digits a later copy from
   * history no longer has); only the read flag moves, and only towards read.
   */
  add(message: Message): Change {
    if (!isMessage(message) || message.conversationId !== this.conversationId) return 'none';
    if (this.byId.has(message.id)) return message.isRead && this.markRead(message.id) ? 'read' : 'none';
    this.byId.set(message.id, message);
    this.seqs.add(message.seq);
    this.ordered.splice(this.indexAfter(message.seq), 0, message);
    this.frozen = null;
    this.advance();
    return 'added';
  }

  /** The newest page: everything at or below its newest seq counts as held. Answers the new messages. */
  addNewest(page: Page): Message[] {
    const added = this.addAll(page.messages);
    for (const m of page.messages) if (isMessage(m)) this.synced = Math.max(this.synced, m.seq);
    this.anchored = true;
    this.older = page.pagination.hasMore && page.messages.length > 0;
    this.advance();
    return added;
  }

  /** A page just older than `oldestSeq`. */
  addOlder(page: Page): Message[] {
    const added = this.addAll(page.messages);
    this.older = page.pagination.hasMore && page.messages.length > 0;
    return added;
  }

  /**
   * A catch-up page (everything after some seq, in order): the server has nothing else up to
   * its last message, so `syncedSeq` gets there even past a seq that never existed.
   */
  addSynced(page: Page): Message[] {
    const added = this.addAll(page.messages);
    const last = page.messages.at(-1);
    if (isMessage(last)) this.synced = Math.max(this.synced, last.seq);
    this.advance();
    return added;
  }

  markRead(id: string): boolean {
    const known = this.byId.get(id);
    if (!known || known.isRead) return false;
    // A new object, so a snapshot taken before still shows what it showed.
    const read = { ...known, isRead: true };
    this.byId.set(id, read);
    this.ordered[this.ordered.indexOf(known)] = read;
    this.frozen = null;
    return true;
  }

  private addAll(messages: readonly Message[]): Message[] {
    return messages.filter((m) => this.add(m) === 'added');
  }

  private advance(): void {
    if (!this.anchored) return;
    while (this.seqs.has(this.synced + 1)) this.synced++;
  }

  /** Where a message of this seq goes: most arrive at the end (live) or the start (older pages). */
  private indexAfter(seq: number): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ordered[mid]!.seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Socket payloads are untrusted: a message without a string id and a numeric seq is not one. */
function isMessage(m: Message | undefined): m is Message {
  return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.seq === 'number';
}
