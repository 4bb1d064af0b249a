import type { Message } from './wire.js';

/**
 * Which of the other side's messages to mark read: each once, and again only when marking it
 * failed. System notes are nobody's to read.
 */
export class ReadReceipts {
  private readonly asked = new Set<string>();

  constructor(private readonly ours: (message: Message) => boolean) {}

  /** Theirs, not read, and not yet asked to be marked: the unread count. */
  unread(messages: readonly Message[]): Message[] {
    return messages.filter((m) => !m.isRead && !this.asked.has(m.id) && m.messageType !== 'system' && !this.ours(m));
  }

  /** The unread ones, now counted as asked: the caller marks each and `release`s those that failed. */
  claim(messages: readonly Message[]): Message[] {
    const unread = this.unread(messages);
    for (const m of unread) this.asked.add(m.id);
    return unread;
  }

  release(messageId: string): void {
    this.asked.delete(messageId);
  }

  reset(): void {
    this.asked.clear();
  }
}
