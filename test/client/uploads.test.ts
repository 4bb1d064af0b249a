import { describe, expect, it } from 'vitest';
import { AttachmentFiles, ConversationSession, formatBytes, LinkExpiredError, type Attachment, type FileTransport, type PendingUpload } from '../../client/src/index.js';
import { CONVERSATION, FakeClock, FakeTransport, flush, message, ours, page } from './fakes.js';

const attachment = (id: string, name = `${id}.png`): Attachment => ({ id, name, size: 3, contentType: 'image/png', url: `/files/${id}?v=1`, thumbnailUrl: `/thumbs/${id}?v=1` });

/** A FileTransport whose every call waits until the test answers it. */
class FakeFiles implements FileTransport {
  readonly log: string[] = [];
  readonly waiting: { what: string; resolve: (v?: unknown) => void; reject: (e: Error) => void; signal?: AbortSignal; progress?: (f: number) => void }[] = [];
  private wait<T>(what: string, extra: { signal?: AbortSignal; progress?: (f: number) => void } = {}): Promise<T> {
    this.log.push(what);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ what, resolve: resolve as (v?: unknown) => void, reject, ...extra });
      extra.signal?.addEventListener('abort', () => reject(new Error('aborted')));
    });
  }
  createUpload = (input: { name: string }) => this.wait<PendingUpload>(`create ${input.name}`);
  putBytes = (_t: PendingUpload['upload'], blob: Blob, progress: (f: number) => void, signal: AbortSignal) =>
    this.wait<void>(`put ${(blob as File).name}`, { signal, progress });
  completeUpload = (id: string) => this.wait<Attachment>(`complete ${id}`);
  cancelUpload = (id: string) => {
    this.log.push(`cancel ${id}`);
    return Promise.resolve();
  };
  /** Answers the oldest open call, which must be `what`. */
  async answer(what: string, value?: unknown) {
    const call = this.waiting.shift();
    expect(call?.what).toBe(what);
    call!.resolve(value);
    await flush();
    return call!;
  }
}

const pending = (id: string): PendingUpload => ({ attachmentId: id, upload: { method: 'PUT', url: `/up/${id}`, headers: {}, expiresAt: '2026-12-01T10:00:00.000Z' }, maxBytes: 100 });
const file = (name: string, bytes = 3) => new File([new Uint8Array(bytes)], name, { type: 'image/png' });

function setup(maxFileBytes?: number) {
  const transport = new FakeTransport();
  const files = new FakeFiles();
  let ids = 0;
  const session = new ConversationSession({ transport, files, ours, clock: new FakeClock(), conversationId: CONVERSATION, newId: () => `id-${++ids}`, maxFileBytes });
  async function connect() {
    session.connected();
    await transport.open('join').resolve({ lastSeq: 0 });
    if (transport.has('history')) await transport.open('history').resolve(page([]));
  }
  return { transport, files, session, connect, state: () => session.getState() };
}

describe('ConversationSession: files', () => {
  it('keeps files in the outbox until ready, uploads them in turn with progress, then sends one file message', async () => {
    const { transport, files, session, connect, state } = setup();
    const sent = session.send('  the error  ', [file('a.png'), file('b.png')]);
    expect(sent).toMatchObject({ ok: true, item: { text: 'the error', files: [{ name: 'a.png', size: 3, progress: 0, attachmentId: null }, { name: 'b.png' }] } });
    expect(files.log).toEqual([]);

    await connect();
    await files.answer('create a.png', pending('att-a'));
    const put = files.waiting[0]!;
    put.progress!(0.5);
    expect(state().outbox[0]!.files[0]!.progress).toBe(0.5);
    await files.answer('put a.png');
    await files.answer('complete att-a', attachment('att-a'));
    expect(state().outbox[0]!.files[0]).toMatchObject({ progress: 1, attachmentId: 'att-a' });
    await files.answer('create b.png', pending('att-b'));
    await files.answer('put b.png');
    await files.answer('complete att-b', attachment('att-b'));

    expect(transport.open('send').args).toEqual([{ conversationId: CONVERSATION, message: 'the error', clientMessageId: sent.ok ? sent.item.clientMessageId : '', messageType: 'file', attachmentIds: ['att-a', 'att-b'] }]);
    await transport.open('send').resolve(message(1, { from: 'guest', messageType: 'file', clientMessageId: sent.ok ? sent.item.clientMessageId : null, attachments: [attachment('att-a'), attachment('att-b')] }));
    expect(state().outbox).toEqual([]);
    expect(state().messages[0]!.attachments).toHaveLength(2);
  });

  it('refuses too many files and a file over the limit before a byte goes, naming it', () => {
    const { session, state, files } = setup(10);
    expect(session.send('', [])).toMatchObject({ ok: false, reason: 'empty' });
    expect(session.send('', Array.from({ length: 6 }, (_, i) => file(`${i}.png`)))).toMatchObject({ ok: false, reason: 'too-many-files', message: 'Send up to 5 files at a time.' });
    expect(session.send('', [file('small.png'), file('huge.png', 11)])).toEqual({ ok: false, reason: 'file-too-large', file: 'huge.png', message: 'huge.png is larger than 10 bytes.' });
    expect(state().outbox).toEqual([]);
    expect(files.log).toEqual([]);
  });

  it('after a dropped connection sends again without uploading again what the server already checked', async () => {
    const { transport, files, session, connect, state } = setup();
    session.send('', [file('a.png'), file('b.png')]);
    await connect();
    await files.answer('create a.png', pending('att-a'));
    await files.answer('put a.png');
    await files.answer('complete att-a', attachment('att-a'));
    await files.answer('create b.png', pending('att-b'));
    session.disconnected(); // b's bytes are on their way: the upload stops
    await flush();
    expect(state().outbox[0]).toMatchObject({ state: 'pending', files: [{ attachmentId: 'att-a' }, { attachmentId: null }] });
    files.waiting.length = 0;

    await connect();
    await files.answer('create b.png', pending('att-b2'));
    await files.answer('put b.png');
    await files.answer('complete att-b2', attachment('att-b2'));
    expect(transport.open('send').args[0]).toMatchObject({ attachmentIds: ['att-a', 'att-b2'] });
    expect(files.log.filter((l) => l.startsWith('put'))).toEqual(['put a.png', 'put b.png', 'put b.png']);
  });

  it("fails the message with the server's reason for a refused file, and retries it", async () => {
    const { files, session, connect, state } = setup();
    const sent = session.send('', [file('page.png')]);
    await connect();
    const create = files.waiting.shift()!;
    create.reject(new Error('This type of file is not allowed'));
    await flush();
    expect(state().outbox[0]).toMatchObject({ state: 'failed', error: 'This type of file is not allowed' });
    expect(session.retry(sent.ok ? sent.item.clientMessageId : '')).toBe(true);
    expect(files.log).toEqual(['create page.png', 'create page.png']);
  });

  it('cancels an upload under way: it stops, the server forgets the checked files and the one on its way, the outbox moves on', async () => {
    const { files, session, connect, state, transport } = setup();
    const first = session.send('', [file('a.png'), file('b.png')]);
    session.send('after');
    await connect();
    await files.answer('create a.png', pending('att-a'));
    await files.answer('put a.png');
    await files.answer('complete att-a', attachment('att-a'));
    await files.answer('create b.png', pending('att-b'));
    expect(session.cancel(first.ok ? first.item.clientMessageId : '')).toBe(true);
    await flush();
    expect(files.log).toContain('cancel att-a');
    // b was announced and its bytes were on their way: the server is told to forget it too.
    expect(files.log).toContain('cancel att-b');
    expect(state().outbox.map((i) => i.text)).toEqual(['after']);
    expect(transport.open('send').args[0]).toMatchObject({ message: 'after' });
  });
});

describe('AttachmentFiles', () => {
  it('fetches each file once with the reader, refreshes an expired link once, and revokes on dispose', async () => {
    const fetched: string[] = [];
    const revoked: string[] = [];
    let expired = true;
    const reader = {
      fetchFile: async (url: string) => {
        fetched.push(url);
        if (url.endsWith('v=1') && expired) throw new LinkExpiredError('stale');
        return new Blob([url]);
      },
      refresh: async (id: string) => ({ ...attachment(id), url: `/files/${id}?v=2`, thumbnailUrl: `/thumbs/${id}?v=2` }),
    };
    let n = 0;
    const cache = new AttachmentFiles(reader, { create: () => `blob:${++n}`, revoke: (u) => void revoked.push(u) });
    const a = attachment('att-a');
    expect(await cache.url(a)).toBe('blob:1');
    expect(await cache.url(a)).toBe('blob:1');
    expect(fetched).toEqual(['/files/att-a?v=1', '/files/att-a?v=2']);
    expired = false;
    expect(await cache.url(a, 'thumbnail')).toBe('blob:2');
    cache.dispose();
    await flush();
    expect(revoked.sort()).toEqual(['blob:1', 'blob:2']);
  });

  it('formats sizes as people read them', () => {
    expect([formatBytes(1), formatBytes(900), formatBytes(2048), formatBytes(10 * 1024 * 1024), formatBytes(2.45 * 1024 * 1024)]).toEqual(['1 byte', '900 bytes', '2 KB', '10 MB', '2.5 MB']);
  });
});
