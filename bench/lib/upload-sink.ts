/**
 * A receiver that does nothing but store uploads (`--upload-floor` in bench:side-loads): what
 * the bytes cost the message path when our server never touches them, as a receiver in a
 * process of its own would. `UPLOAD_SINK=disk` writes each body through the disk store's writer
 * (flushed every megabyte), `null` reads and drops it. Answers its port on stdout.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SyncedFileWriter } from '../../src/files/synced-file-writer.js';

// Beside the server's DATA_DIR (BENCH_DATA_DIR), so both write to the same filesystem.
const folder = mkdtempSync(path.join(process.env.BENCH_DATA_DIR ?? os.tmpdir(), 'upload-sink-'));
let n = 0;
const server = http.createServer((req, res) => {
  const sink = process.env.UPLOAD_SINK === 'disk' ? new SyncedFileWriter(path.join(folder, `${n++ % 20}.part`)) : new Writable({ write: (_c, _e, done) => done() });
  pipeline(req, sink).then(
    () => res.end('{}'),
    () => res.destroy(),
  );
});
server.listen(0, '127.0.0.1', () => console.log((server.address() as { port: number }).port));
process.on('SIGTERM', () => {
  rmSync(folder, { recursive: true, force: true });
  process.exit(0);
});
