import { open, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';

/** How much an upload may leave in the page cache before it is flushed to the disk. */
export const SYNC_EVERY_BYTES = 1024 * 1024;

/**
 * A file write that flushes to the disk every `syncEvery` bytes and at the end. Buffered, ten
 * 10 MB uploads pile up 100 MB of dirty pages that the kernel writes back in one burst, and
 * PostgreSQL's commit (an fsync of the WAL on the same disk) waits behind it: the message path's
 * p99 went from 9 to 42 ms with the bytes going to another, niced process that did nothing else,
 * and to 18 ms when that process flushed every megabyte (README, "Under load"). The flush also
 * means the bytes of an upload that answered 200 are on the disk (its rename is not synced).
 */
export class SyncedFileWriter extends Writable {
  private handle?: FileHandle;
  private unsynced = 0;

  constructor(
    private readonly file: string,
    private readonly syncEvery = SYNC_EVERY_BYTES,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _construct(done: (error?: Error | null) => void): void {
    open(this.file, 'w', 0o600).then((handle) => {
      this.handle = handle;
      done();
    }, done);
  }

  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    this.writeAll(chunks.map((c) => c.chunk)).then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.handle!.datasync().then(() => done(), done);
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const closed = this.handle ? this.handle.close() : Promise.resolve();
    closed.then(
      () => done(error),
      () => done(error),
    );
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const handle = this.handle!;
    const total = buffers.reduce((sum, b) => sum + b.length, 0);
    let { bytesWritten } = await handle.writev(buffers);
    // A file write may take fewer bytes than offered (rare): the rest goes on in one buffer.
    if (bytesWritten < total) {
      let rest = Buffer.concat(buffers).subarray(bytesWritten);
      while (rest.length > 0) {
        const written = (await handle.write(rest)).bytesWritten;
        rest = rest.subarray(written);
        bytesWritten += written;
      }
    }
    this.unsynced += bytesWritten;
    if (this.unsynced >= this.syncEvery) {
      this.unsynced = 0;
      await handle.datasync();
    }
  }
}
