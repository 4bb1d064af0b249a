import { randomId } from './ids.js';

/**
 * pending: waits its turn (or a connection); sending: in flight; failed: the server refused it
 * (`error` says why) until `retry`. A sent message leaves the outbox: the server's copy, with
 * the same clientMessageId, is then in the conversation's messages.
 */
export type OutboxState = 'pending' | 'sending' | 'failed';

export interface OutboxItem {
  readonly clientMessageId: string;
  readonly text: string;
  readonly createdAt: string;
  readonly state: OutboxState;
  readonly error: string | null;
  /** A file message's files, uploaded in turn before the message goes ([] for text). */
  readonly files: readonly OutboxFile[];
}

/** One file waiting to go: how far its upload is, and its attachment once the server checked it. */
export interface OutboxFile {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly type: string;
  /** 0 to 1 while its bytes go up. */
  readonly progress: number;
  /** Set once uploaded and checked: a retry sends it without uploading it again. */
  readonly attachmentId: string | null;
}

/** One try at sending an item; an answer to any but its item's latest try is ignored. */
export interface Attempt {
  readonly clientMessageId: string;
  readonly n: number;
}

/**
 * Messages written here that the server has not stored yet, in the order written. Each keeps
 * its clientMessageId for every retry, so a resend after a lost answer is not stored twice.
 */
export class Outbox {
  private readonly items = new Map<string, OutboxItem>();
  private readonly tries = new Map<string, number>();
  /** Items already carried over once from a conversation that ended. */
  private readonly carried = new Set<string>();
  /** The files' bytes, kept out of the state views read. */
  private readonly blobs = new Map<string, Blob>();
  private frozen: readonly OutboxItem[] | null = null;

  constructor(
    private readonly newId: () => string = randomId,
    private readonly now: () => number = Date.now,
  ) {}

  get list(): readonly OutboxItem[] {
    return (this.frozen ??= Object.freeze([...this.items.values()]));
  }

  has(clientMessageId: string): boolean {
    return this.items.has(clientMessageId);
  }

  add(text: string, files: readonly Blob[] = []): OutboxItem {
    const entries = files.map((blob): OutboxFile => {
      const id = this.newId();
      this.blobs.set(id, blob);
      const named = blob as Blob & { name?: string };
      return { id, name: named.name ?? 'file', size: blob.size, type: blob.type, progress: 0, attachmentId: null };
    });
    const item: OutboxItem = { clientMessageId: this.newId(), text, createdAt: new Date(this.now()).toISOString(), state: 'pending', error: null, files: entries };
    this.put(item);
    return item;
  }

  get(clientMessageId: string): OutboxItem | undefined {
    return this.items.get(clientMessageId);
  }

  blobOf(fileId: string): Blob | undefined {
    return this.blobs.get(fileId);
  }

  /** Records an upload's progress or its attachment, for the current try only. */
  fileChanged(attempt: Attempt, fileId: string, change: Partial<Pick<OutboxFile, 'progress' | 'attachmentId'>>): boolean {
    const item = this.items.get(attempt.clientMessageId);
    if (!item || !this.isCurrent(attempt)) return false;
    this.put({ ...item, files: item.files.map((f) => (f.id === fileId ? { ...f, ...change } : f)) });
    return true;
  }

  /**
   * The oldest pending item, while nothing is in flight: one at a time, so the server stores
   * (and numbers) them in the order they were written.
   */
  next(): OutboxItem | undefined {
    let first: OutboxItem | undefined;
    for (const item of this.items.values()) {
      if (item.state === 'sending') return undefined;
      first ??= item.state === 'pending' ? item : undefined;
    }
    return first;
  }

  begin(clientMessageId: string): Attempt {
    const n = (this.tries.get(clientMessageId) ?? 0) + 1;
    this.tries.set(clientMessageId, n);
    this.update(clientMessageId, 'sending', null);
    return { clientMessageId, n };
  }

  isCurrent(attempt: Attempt): boolean {
    return this.items.get(attempt.clientMessageId)?.state === 'sending' && this.tries.get(attempt.clientMessageId) === attempt.n;
  }

  /** Stored by the server (its answer or its copy came): the item leaves the outbox. */
  remove(clientMessageId: string): boolean {
    for (const file of this.items.get(clientMessageId)?.files ?? []) this.blobs.delete(file.id);
    this.tries.delete(clientMessageId);
    this.carried.delete(clientMessageId);
    this.frozen = null;
    return this.items.delete(clientMessageId);
  }

  fail(attempt: Attempt, error: string): boolean {
    return this.isCurrent(attempt) && this.update(attempt.clientMessageId, 'failed', error);
  }

  retry(clientMessageId: string): boolean {
    return this.items.get(clientMessageId)?.state === 'failed' && this.update(clientMessageId, 'pending', null);
  }

  /**
   * The conversation ended before this try was stored: back to pending for the next
   * conversation, once. Answers false when it was carried over already (then fail it). Its
   * files upload again: an attachment belongs to the conversation it was uploaded to, and the
   * server refuses it in another (the old one's unsent uploads are swept after a day).
   */
  carryOver(attempt: Attempt): boolean {
    const item = this.items.get(attempt.clientMessageId);
    if (!item || !this.isCurrent(attempt) || this.carried.has(attempt.clientMessageId)) return false;
    this.carried.add(attempt.clientMessageId);
    this.put({ ...item, state: 'pending', error: null, files: item.files.map((f) => ({ ...f, progress: 0, attachmentId: null })) });
    return true;
  }

  /** Everything not yet stored fails with one reason (the conversation ended). */
  failUnsent(error: string): boolean {
    let changed = false;
    for (const item of this.items.values()) if (item.state !== 'failed') changed = this.update(item.clientMessageId, 'failed', error) || changed;
    return changed;
  }

  /**
   * The connection dropped: what was in flight goes back to pending and is sent again, with
   * the same clientMessageId, once the connection is back. An answer to the dropped try is ignored.
   */
  interrupt(): boolean {
    let changed = false;
    for (const item of this.items.values()) if (item.state === 'sending') changed = this.update(item.clientMessageId, 'pending', null) || changed;
    return changed;
  }

  private update(clientMessageId: string, state: OutboxState, error: string | null): boolean {
    const item = this.items.get(clientMessageId);
    if (!item) return false;
    this.put({ ...item, state, error });
    return true;
  }

  private put(item: OutboxItem): void {
    this.items.set(item.clientMessageId, item);
    this.frozen = null;
  }
}
