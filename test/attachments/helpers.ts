import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { request, type Reply, type TestServer } from '../support/server.js';
import type { Who } from '../rest/helpers.js';

export interface FileToUpload {
  name: string;
  bytes: Buffer;
  /** What the browser would declare (File.type). */
  type?: string;
  /** What to announce as the size, when a test lies about it. */
  size?: number;
}

/** The three steps as a browser does them: announce, PUT the bytes where told, complete. */
export async function upload(server: TestServer, who: Who, conversationId: string, file: FileToUpload) {
  const created = await request(server, '/api/support/attachments', {
    ...who,
    body: { conversationId, name: file.name, size: file.size ?? file.bytes.length, contentType: file.type ?? '' },
  });
  if (created.status !== 201) return { created, put: undefined, completed: undefined };
  const target = created.body.data.upload;
  const url = new URL(target.url, server.url).toString();
  const put = await fetch(url, { method: 'PUT', headers: target.headers, body: file.bytes });
  const putText = await put.text();
  const completed = await request(server, `/api/support/attachments/${created.body.data.attachmentId}/complete`, { ...who, method: 'POST' });
  return { created, put: { status: put.status, text: putText }, completed };
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

/** An S3 API on loopback (s3rver), with one bucket; the SDK finds its keys in the environment. */
export async function startS3() {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: mkdtempSync(path.join(tmpdir(), 's3rver-')), configureBuckets: [{ name: 'attachments', configs: [] }] });
  const { port } = await server.run();
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  return { env: { S3_BUCKET: 'attachments', S3_ENDPOINT: `http://127.0.0.1:${port}`, S3_REGION: 'us-east-1' }, close: () => server.close() };
}
