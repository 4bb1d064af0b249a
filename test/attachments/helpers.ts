import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { request, startTestServer, type Reply, type TestServer } from '../support/server.js';
import type { Socket } from 'socket.io-client';
import { storageKeys } from '../../src/files/store.js';
import { call, type Who } from '../rest/helpers.js';

export interface FileToUpload {
  name: string;
  bytes: Buffer;
  /** What the browser would declare (File.type). */
  type?: string;
  /** What to announce as the size, when a test lies about it. */
  size?: number;
}

/** Step 1 alone: announce a file (POST /attachments), as the browser would describe it. */
export function announce(server: TestServer, who: Who, conversationId: string, file: FileToUpload) {
  return request(server, '/api/support/attachments', {
    ...who,
    body: { conversationId, name: file.name, size: file.size ?? file.bytes.length, contentType: file.type ?? '' },
  });
}

/** Step 2: the bytes to where `create` said, with the headers it gave. */
export async function putBytes(server: TestServer, created: Reply, bytes: Buffer) {
  const target = created.body.data.upload;
  const put = await fetch(new URL(target.url, server.url), { method: 'PUT', headers: target.headers, body: bytes });
  return { status: put.status, text: await put.text() };
}

/** Step 3: POST /attachments/:id/complete. */
export const complete = (server: TestServer, who: Who, attachmentId: string) =>
  request(server, `/api/support/attachments/${attachmentId}/complete`, { ...who, method: 'POST' });

/** The three steps as a browser does them: announce, PUT the bytes where told, complete. */
export async function upload(server: TestServer, who: Who, conversationId: string, file: FileToUpload) {
  const created = await announce(server, who, conversationId, file);
  if (created.status !== 201) return { created, put: undefined, completed: undefined };
  const put = await putBytes(server, created, file.bytes);
  const completed = await complete(server, who, created.body.data.attachmentId);
  return { created, put, completed };
}

/** Uploads and expects the file to be accepted: the attachment as `complete` answered it. */
export async function uploaded(server: TestServer, who: Who, conversationId: string, file: FileToUpload) {
  const { created, put, completed } = await upload(server, who, conversationId, file);
  if (!completed || completed.status !== 200) {
    throw new Error(`upload of ${file.name} failed: ${JSON.stringify({ created: created.body, put, completed: completed?.body })}`);
  }
  return completed.body.data as Attachment;
}

export interface Attachment {
  id: string;
  name: string;
  size: number;
  contentType: string;
  width?: number;
  height?: number;
  thumbnailUrl?: string;
  url: string;
}

/** Fetches a link with a caller's credentials: status, headers and the bytes. */
export async function download(server: TestServer, link: string, who: Who = {}) {
  const headers: Record<string, string> = {};
  if (who.token) headers.authorization = `Bearer ${who.token}`;
  if (who.guestId) headers['x-guest-id'] = who.guestId;
  const response = await fetch(new URL(link, server.url), { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

export const failureOf = (reply: Reply | undefined) => ({ status: reply?.status, message: reply?.body?.message });

/** A PNG screenshot with EXIF (GPS included) and a text chunk, as phones and tools write them. */
export async function pngWithMetadata(width = 64, height = 48): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37) % 251;
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .withExif({ IFD0: { Make: 'SecretPhone', Software: 'GPS 51.5074 N 0.1278 W' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 26/1' } })
    .png()
    .toBuffer();
}

export async function jpegWithGps(): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 30, b: 90 } } })
    .withExif({ IFD0: { Make: 'SecretPhone' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 26/1' } })
    .jpeg()
    .toBuffer();
}

export const rawPixels = (image: Buffer) => sharp(image).removeAlpha().raw().toBuffer();

/** The smallest real PDF. */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
);

/**
 * An S3 API on loopback (s3rver), with one bucket; the SDK finds its keys in the environment.
 * `stop()` takes it away (connections refused) and `start()` brings it back on the same port,
 * with what it held.
 */
export async function startS3() {
  const directory = mkdtempSync(path.join(tmpdir(), 's3rver-'));
  const bucket = (port: number) => new S3rver({ port, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'attachments', configs: [] }] });
  let server = bucket(0);
  const { port } = await server.run();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return {
    env: { S3_BUCKET: 'attachments', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_REGION: 'us-east-1' },
    stop: () => server.close(),
    async start() {
      server = bucket(port);
      await server.run();
    },
    close: () => server.close(),
  };
}

/** What the store holds of an attachment, by key: uploaded bytes, checked file, thumbnail (undefined: nothing). */
export async function storedSizes(server: TestServer, attachmentId: string) {
  const { store } = server.app.services.files;
  return {
    upload: await store.size(storageKeys.upload(attachmentId)),
    file: await store.size(storageKeys.file(attachmentId)),
    thumbnail: await store.size(storageKeys.thumbnail(attachmentId)),
  };
}

export const NOTHING_STORED = { upload: undefined, file: undefined, thumbnail: undefined };

/** A file message with these attachments, as a widget sends it. */
export const sendFiles = (socket: Socket, conversationId: string, attachmentIds: string[], extra: Record<string, unknown> = {}) =>
  call(socket, 'message:send', { conversationId, messageType: 'file', attachmentIds, ...extra });

/** A small text file, accepted on every store. */
export const textFile = (name = 'notes.txt', text = 'order 1234\n'): FileToUpload => ({ name, bytes: Buffer.from(text), type: 'text/plain' });

/**
 * A PUT by hand (node:http), for what fetch will not do: a body without Content-Length
 * (chunked), or one cut off after `cutAfter` bytes (the socket destroyed, as a lost network does).
 */
export function rawPut(url: URL, headers: Record<string, string>, body: Buffer, options: { cutAfter?: number } = {}): Promise<{ status?: number; text?: string }> {
  const cut = options.cutAfter;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: cut === undefined ? headers : { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (error) => (cut === undefined ? reject(error) : resolve({})));
    if (cut === undefined) {
      // write() then end(): no Content-Length, the body goes chunked.
      req.write(body);
      req.end();
      return;
    }
    req.write(body.subarray(0, cut), () =>
      setTimeout(() => {
        req.destroy();
        resolve({});
      }, 100),
    );
  });
}

/** A test server keeping attachments on this store (S3: an s3rver of its own); close() stops both. */
export async function startServerOn(store: 'disk' | 's3', env: Record<string, string> = {}): Promise<TestServer> {
  return store === 's3' ? (await startServerOnS3(env)).server : startTestServer(env);
}

/** A test server on an s3rver of its own, which the test may stop and start again; the server's close() stops both. */
export async function startServerOnS3(env: Record<string, string> = {}) {
  const s3 = await startS3();
  const server = await startTestServer({ ...s3.env, ...env });
  const closeServer = server.close;
  server.close = async () => {
    await closeServer();
    await s3.close();
  };
  return { server, s3 };
}
