import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, guestWithConversation, userWithConversation } from '../rest/helpers.js';
import { history } from '../realtime/helpers.js';
import { person, request, startTestServer, type TestServer } from '../support/server.js';
import { S3Store } from '../../src/files/s3-store.js';
import { download, failureOf, jpegWithGps, PDF, pngWithMetadata, rawPixels, startS3, upload, uploaded } from './helpers.js';

/**
 * The whole flow on both stores: local disk (the default) and a real S3 API on loopback.
 * Upload, attach, download by the owner and by an agent, refusals for everyone else.
 */
describe.each(['disk', 's3'] as const)('attachments on %s', (store) => {
  let server: TestServer;
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;
  let admin: Awaited<ReturnType<typeof person>>;
  let guest: Awaited<ReturnType<typeof guestWithConversation>>;
  let otherGuest: Awaited<ReturnType<typeof guestWithConversation>>;
  let user: Awaited<ReturnType<typeof userWithConversation>>;

  beforeAll(async () => {
    s3 = store === 's3' ? await startS3() : undefined;
    server = await startTestServer({ ...s3?.env, ATTACHMENT_MAX_BYTES: String(1024 * 1024) });
    admin = await person('admin', { firstName: 'Ann' });
    guest = await guestWithConversation(server);
    otherGuest = await guestWithConversation(server);
    user = await userWithConversation(server);
  });
  afterAll(async () => {
    await server.close();
    await s3?.close();
  });

  it(`uploads ${store === 's3' ? 'straight to the bucket' : 'through the server'}, then sends, lists and downloads the file`, async () => {
    const png = await pngWithMetadata();
    const { created, put } = await upload(server, { guestId: guest.guestId }, guest.conversationId, { name: 'screenshot.png', bytes: Buffer.alloc(0), size: png.length, type: 'image/png' }).catch(() => ({ created: undefined, put: undefined }));
    expect(created?.status).toBe(201);
    const target = new URL(created!.body.data.upload.url, server.url);
    if (store === 's3') expect(target.origin).toBe(new URL(s3!.env.S3_ENDPOINT).origin);
    else expect(target.origin).toBe(server.url);
    expect(put).toBeDefined();

    const attachment = await uploaded(server, { guestId: guest.guestId }, guest.conversationId, { name: 'screenshot.png', bytes: png, type: 'image/png' });
    expect(attachment).toMatchObject({ name: 'screenshot.png', contentType: 'image/png', width: 64, height: 48 });
    expect(attachment.thumbnailUrl).toBeDefined();

    const { socket } = await server.connect({ guestId: guest.guestId });
    const sent = await call(socket, 'message:send', { conversationId: guest.conversationId, messageType: 'file', message: 'It fails here', attachmentIds: [attachment.id], clientMessageId: randomUUID() });
    expect(sent.success, JSON.stringify(sent)).toBe(true);
    expect(sent.data).toMatchObject({ messageType: 'file', message: 'It fails here', attachments: [{ id: attachment.id, name: 'screenshot.png' }] });

    // History as the owner and as an agent: the same file, with links.
    for (const who of [{ guestId: guest.guestId }, { token: admin.token }]) {
      const page = await history(server, guest.conversationId, who);
      const message = page.messages.find((m) => m.id === sent.data.id)!;
      expect(message.attachments).toHaveLength(1);
      const file = await download(server, message.attachments[0].url, who);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/png');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(file.headers.get('content-disposition')).toMatch(/^inline; filename="screenshot.png"/);
      expect(file.headers.get('content-security-policy')).toContain('sandbox');
      // Pixels equal, metadata gone.
      expect(await rawPixels(file.bytes)).toEqual(await rawPixels(png));
      const metadata = await sharp(file.bytes).metadata();
      expect(metadata.exif).toBeUndefined();
      expect(file.bytes.includes('SecretPhone')).toBe(false);
      expect(png.includes('SecretPhone')).toBe(true);
      const thumbnail = await download(server, message.attachments[0].thumbnailUrl, who);
      expect(thumbnail.status).toBe(200);
      expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    }

    // Everyone else: another guest, another user, nobody.
    for (const [who, status] of [[{ guestId: otherGuest.guestId }, 404], [{ token: user.token }, 404], [{}, 401]] as const) {
      const refused = await download(server, attachment.url, who);
      expect(refused.status, JSON.stringify(who)).toBe(status);
      expect(refused.bytes.includes('PNG')).toBe(false);
      expect((await request(server, `/api/support/attachments/${attachment.id}`, who)).status).toBe(status);
    }
    socket.disconnect();
  });

  it(`lets the pages that upload (the demo page, the console) reach ${store === 's3' ? 'the bucket' : 'this server only'}`, async () => {
    for (const page of ['/', '/agent']) {
      const policy = (await fetch(server.url + page)).headers.get('content-security-policy')!;
      const connect = policy.split('; ').find((d) => d.startsWith('connect-src'));
      expect(connect, page).toBe(store === 's3' ? `connect-src 'self' ${new URL(s3!.env.S3_ENDPOINT).origin}` : "connect-src 'self'");
    }
  });

  it('serves a PDF as a download, and a JPEG without its GPS', async () => {
    const pdf = await uploaded(server, { token: user.token }, user.conversationId, { name: 'invoice.pdf', bytes: PDF, type: 'application/pdf' });
    const jpeg = await uploaded(server, { token: user.token }, user.conversationId, { name: 'photo.jpg', bytes: await jpegWithGps(), type: 'image/jpeg' });
    const { socket } = await server.connect({ token: user.token });
    const sent = await call(socket, 'message:send', { conversationId: user.conversationId, messageType: 'file', attachmentIds: [pdf.id, jpeg.id] });
    expect(sent.data.attachments.map((a: { name: string }) => a.name)).toEqual(['invoice.pdf', 'photo.jpg']);
    expect(sent.data.message).toBe('');
    const file = await download(server, sent.data.attachments[0].url, { token: admin.token });
    expect(file.headers.get('content-disposition')).toMatch(/^attachment; filename="invoice.pdf"/);
    expect(file.bytes.equals(PDF)).toBe(true);
    const photo = await download(server, sent.data.attachments[1].url, { token: user.token });
    expect((await sharp(photo.bytes).metadata()).exif).toBeUndefined();
    expect(photo.bytes.includes('SecretPhone')).toBe(false);
    socket.disconnect();
  });

  it('refuses an expired link and a tampered one, even to the owner', async () => {
    const file = await uploaded(server, { guestId: guest.guestId }, guest.conversationId, { name: 'notes.txt', bytes: Buffer.from('order 1234\n'), type: 'text/plain' });
    const url = new URL(file.url, server.url);
    const tampered = new URL(url);
    tampered.searchParams.set('signature', url.searchParams.get('signature')!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
    expect(failureOf(await request(server, tampered.pathname + tampered.search, { guestId: guest.guestId }))).toEqual({ status: 403, message: 'Invalid link' });
    const later = new URL(url);
    later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect(failureOf(await request(server, later.pathname + later.search, { guestId: guest.guestId }))).toEqual({ status: 403, message: 'Invalid link' });
    const realNow = server.app.services.files.now;
    server.app.services.files.now = () => realNow() + (server.config.attachments.linkTtlSeconds + 5) * 1000;
    try {
      expect(failureOf(await request(server, url.pathname + url.search, { guestId: guest.guestId }))).toEqual({ status: 403, message: 'This link has expired' });
    } finally {
      server.app.services.files.now = realNow;
    }
    // The uploader sees it before it is sent; fresh links from GET work.
    const fresh = await request(server, `/api/support/attachments/${file.id}`, { guestId: guest.guestId });
    expect((await download(server, fresh.body.data.url, { guestId: guest.guestId })).bytes.toString()).toBe('order 1234\n');
    // An agent does not, until it is sent.
    expect((await request(server, `/api/support/attachments/${file.id}`, { token: admin.token })).status).toBe(404);
  });
});

/**
 * On AWS itself (no S3_ENDPOINT) the presigner picks the host from the bucket's name: a name
 * with dots goes path-style on `s3.<region>…`. The pages' CSP names `uploadOrigin`, so it must
 * be that host, or the browser's PUT is blocked (the presigning alone reaches no network).
 */
describe('the upload origin on AWS', () => {
  it.each(['attachments', 'files.example.com'])('is where a presigned PUT into bucket %s goes', async (bucket) => {
    const store = new S3Store({ bucket, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } });
    try {
      const target = await store.directUpload('uploads/x', 10, 'text/plain', 60);
      expect(new URL(target.url).origin).toBe(store.uploadOrigin);
    } finally {
      store.destroy();
    }
  });
});
