import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileStore } from './store.js';
import { SyncedFileWriter } from './synced-file-writer.js';

export class UploadTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Upload is larger than ${maxBytes} bytes`);
  }
}

/**
 * Attachments in a folder (DATA_DIR/attachments): the embedded default, nothing to install.
 * Uploads stream through the server to a `.part` file that is renamed only when complete, so
 * a cut upload leaves nothing a message could point at, and no upload is held in memory.
 */
export class DiskStore implements FileStore {
  readonly kind = 'disk';
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    // Keys are made by storageKeys from uuids; anything else is a bug, never a path to follow.
    if (!/^[a-z]+\/[0-9a-f-]{36}$/.test(key)) throw new Error(`Invalid storage key: ${key}`);
    return path.join(this.root, key);
  }

  /**
   * A part file of its own for each write: a retried upload must not share one with the cut
   * request it replaces (whose clean-up would delete the retry's bytes mid-write).
   */
  private partOf(target: string): string {
    return `${target}.${randomUUID()}.part`;
  }

  async directUpload(): Promise<undefined> {
    return undefined;
  }

  async receive(key: string, body: Readable, maxBytes: number): Promise<number> {
    const target = this.pathOf(key);
    const part = this.partOf(target);
    await mkdir(path.dirname(target), { recursive: true });
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done(received > maxBytes ? new UploadTooLargeError(maxBytes) : null, chunk);
      },
    });
    try {
      await pipeline(body, counter, new SyncedFileWriter(part));
      await rename(part, target);
      return received;
    } catch (error) {
      await rm(part, { force: true });
      throw error;
    }
  }

  async write(key: string, bytes: Buffer): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const part = this.partOf(target);
    await writeFile(part, bytes, { mode: 0o600 });
    await rename(part, target);
  }

  async size(key: string): Promise<number | undefined> {
    const info = await stat(this.pathOf(key)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }

  async read(key: string, bytes?: number): Promise<Readable | undefined> {
    const file = this.pathOf(key);
    if ((await this.size(key)) === undefined) return undefined;
    return createReadStream(file, bytes === undefined ? {} : { start: 0, end: Math.max(0, bytes - 1) });
  }

  async move(from: string, to: string): Promise<void> {
    const target = this.pathOf(to);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(this.pathOf(from), target);
  }

  async remove(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })));
  }

  async removeAbandonedParts(before: Date): Promise<number> {
    let removed = 0;
    const folders = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    for (const folder of folders.filter((entry) => entry.isDirectory())) {
      const dir = path.join(this.root, folder.name);
      for (const name of await readdir(dir).catch(() => [])) {
        if (!name.endsWith('.part')) continue;
        const file = path.join(dir, name);
        // A write in progress touches its part file with every chunk.
        const info = await stat(file).catch(() => undefined);
        if (info && info.mtime < before) {
          await rm(file, { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
