import { describe, expect, it } from 'vitest';
import { Outbox } from '../../client/src/index.js';

function outbox() {
  let n = 0;
  return new Outbox(() => `id-${++n}`, () => 0);
}

describe('Outbox', () => {
  it('sends one at a time in the order written', () => {
    const box = outbox();
    box.add('one');
    box.add('two');
    const first = box.next()!;
    expect(first.text).toBe('one');
    box.begin(first.clientMessageId);
    expect(box.next()).toBeUndefined();
    box.remove(first.clientMessageId);
    expect(box.next()?.text).toBe('two');
  });

  it("marks a refusal failed with the server's reason; a retry keeps the clientMessageId", () => {
    const box = outbox();
    const item = box.add('hello');
    const attempt = box.begin(item.clientMessageId);
    expect(box.fail(attempt, 'Too many requests, try again later')).toBe(true);
    expect(box.list).toEqual([expect.objectContaining({ state: 'failed', error: 'Too many requests, try again later', clientMessageId: 'id-1' })]);
    // A failed item does not block the next one.
    expect(box.next()).toBeUndefined();
    expect(box.retry(item.clientMessageId)).toBe(true);
    expect(box.next()).toMatchObject({ clientMessageId: 'id-1', state: 'pending', error: null });
  });

  it('puts what was in flight back to pending at a disconnect and ignores the late answer', () => {
    const box = outbox();
    const item = box.add('hello');
    const lost = box.begin(item.clientMessageId);
    expect(box.interrupt()).toBe(true);
    expect(box.isCurrent(lost)).toBe(false);
    expect(box.fail(lost, 'late')).toBe(false);
    const again = box.begin(item.clientMessageId);
    expect(again.clientMessageId).toBe(lost.clientMessageId);
    expect(box.isCurrent(again)).toBe(true);
    expect(box.list[0]!.state).toBe('sending');
  });

  it('carries an item over to the next conversation once', () => {
    const box = outbox();
    const item = box.add('hello');
    expect(box.carryOver(box.begin(item.clientMessageId))).toBe(true);
    expect(box.list[0]!.state).toBe('pending');
    expect(box.carryOver(box.begin(item.clientMessageId))).toBe(false);
  });

  it('uploads the files of a carried-over item again, into the next conversation', () => {
    const box = outbox();
    const screenshot = new Blob(['png bytes'], { type: 'image/png' });
    const item = box.add('see attached', [screenshot]);
    const fileId = item.files[0]!.id;
    const attempt = box.begin(item.clientMessageId);
    box.fileChanged(attempt, fileId, { progress: 1, attachmentId: 'att-in-the-closed-conversation' });
    expect(box.carryOver(attempt)).toBe(true);
    expect(box.list[0]).toMatchObject({ state: 'pending', files: [{ id: fileId, progress: 0, attachmentId: null }] });
    expect(box.blobOf(fileId)).toBe(screenshot);
  });

  it('fails everything unsent at once, and keeps its list the same object until something changes', () => {
    const box = outbox();
    box.add('one');
    box.add('two');
    const list = box.list;
    expect(box.list).toBe(list);
    expect(box.failUnsent('Conversation is closed')).toBe(true);
    expect(box.list).not.toBe(list);
    expect(box.list.map((i) => i.state)).toEqual(['failed', 'failed']);
    expect(box.failUnsent('Conversation is closed')).toBe(false);
  });
});
