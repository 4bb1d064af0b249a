import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageKeys } from '../../src/files/store.js';
import { sweepAttachments } from '../../src/router/attachments.js';
import { history, until } from '../realtime/helpers.js';
import { expectFailure, guestWithConversation, trpcMutation, userWithConversation, type Who } from '../rest/helpers.js';
import { person, request, type TestServer } from '../support/server.js';
import { announce, complete, download, NOTHING_STORED, pngWithMetadata, putBytes, rawPut, sendFiles, startServerOn, storedSizes, textFile, uploaded } from './helpers.js';

/**
 * Issue 14: what happens to an upload between `create` and a message, and after. Nothing a
 * message can point at is left by a cut upload; what no message took is gone after 24 hours;
 * only its uploader takes it back; a file goes into one message, once.
 */
const HOUR = 3600 * 1000;

describe.each(['disk', 's3'] as const)('the life of an upload, on %s', (store) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof person>>;
  let guest: Awaited<ReturnType<typeof guestWithConversation>>;
  let user: Awaited<ReturnType<typeof userWithConversation>>;
  let owner: Who;
  let socket: Socket;

  beforeAll(async () => {
    server = await startServerOn(store);
    admin = await person('admin');
    guest = await guestWithConversation(server);
    user = await userWithConversation(server);
    owner = { guestId: guest.guestId };
    ({ socket } = await server.connect({ ...owner }));
  });
  afterAll(() => server.close());

  const file = (name = 'notes.txt') => uploaded(server, owner, guest.conversationId, textFile(name, `${name}: ${randomUUID()}\n`));
  const get = (id: string, who: Who = owner) => request(server, `/api/support/attachments/${id}`, who);
  const cancel = (id: string, who: Who = owner) => request(server, `/api/support/attachments/${id}`, { ...who, method: 'DELETE' });
  const fileMessages = async () => (await history(server, guest.conversationId, owner)).messages.filter((m) => m.messageType === 'file');

  /** A message:send the server refused, naming attachmentIds. */
  function expectRefusedIds(ack: any) {
    expect(ack, JSON.stringify(ack)).toMatchObject({ success: false, message: 'Validation failed' });
    expect(ack.errors.map((e: { field: string }) => e.field)).toContain('attachmentIds');
  }

  /** Announces a 200 kB file and sends half of it before the connection dies. */
  async function cutUpload() {
    const bytes = Buffer.alloc(200_000, 'z');
    const created = await announce(server, owner, guest.conversationId, { name: 'dump.txt', bytes, type: 'text/plain' });
    expect(created.status).toBe(201);
    const { url, headers } = created.body.data.upload;
    await rawPut(new URL(url, server.url), headers, bytes, { cutAfter: bytes.length / 2 });
    return { created, bytes, id: created.body.data.attachmentId as string };
  }

  it('leaves nothing a message can send when the upload is cut half way', async () => {
    const { id } = await cutUpload();
    if (store === 'disk') {
      // The half-written part file is deleted once the server sees the cut.
      const uploads = path.join((server.config.attachments.storage as { dir: string }).dir, 'uploads');
      const leftOver = async () => (await readdir(uploads).catch(() => [])).filter((name) => name.startsWith(id));
      for (let i = 0; i < 50 && (await leftOver()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await leftOver()).toEqual([]);
    }
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [id]));
    expectFailure(await get(id), 409, 'The file has not been uploaded yet');
    const partial = (await storedSizes(server, id)).upload;
    if (partial === undefined) {
      expectFailure(await complete(server, owner, id), 409, 'The file has not been uploaded yet');
    } else {
      // s3rver keeps what arrived (S3 itself does not): complete measures it and deletes it.
      expect(store).toBe('s3');
      expectFailure(await complete(server, owner, id), 400, `The upload has ${partial} bytes, not the 200000 announced`);
      expect(await storedSizes(server, id)).toEqual(NOTHING_STORED);
      expectFailure(await get(id), 404);
    }
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [id]));
    expect(await fileMessages()).toEqual([]);
  });

  it('takes the retry of a cut upload at the same URL', async () => {
    const { created, bytes, id } = await cutUpload();
    const retried = await putBytes(server, created, bytes);
    expect(retried.status, retried.text).toBe(200);
    const completed = await complete(server, owner, id);
    expect(completed.body.data).toMatchObject({ id, size: bytes.length, contentType: 'text/plain' });
    const sent = await sendFiles(socket, guest.conversationId, [id]);
    expect(sent.success, JSON.stringify(sent)).toBe(true);
    expect((await download(server, sent.data.attachments[0].url, owner)).bytes.equals(bytes)).toBe(true);
  });

  it('answers complete called twice at once (a double click) the same, twice', async () => {
    for (const name of ['twice.txt', 'twice.png']) {
      const bytes = name.endsWith('.png') ? await pngWithMetadata() : textFile().bytes;
      const created = await announce(server, owner, guest.conversationId, { name, bytes, type: name.endsWith('.png') ? 'image/png' : 'text/plain' });
      await putBytes(server, created, bytes);
      const id = created.body.data.attachmentId;
      const both = await Promise.all([complete(server, owner, id), complete(server, owner, id)]);
      expect(both.map((r) => [r.status, r.body.data?.id]), JSON.stringify(both.map((r) => r.body))).toEqual([
        [200, id],
        [200, id],
      ]);
      expect(both[1]!.body.data).toMatchObject({ name, size: both[0]!.body.data.size, contentType: both[0]!.body.data.contentType });
      expect((await sendFiles(socket, guest.conversationId, [id])).success).toBe(true);
    }
  });

  it('finishes, at the next complete, a check that died after moving the bytes, once its claim runs out', async () => {
    const bytes = await pngWithMetadata();
    const created = await announce(server, owner, guest.conversationId, { name: 'crashed.png', bytes, type: 'image/png' });
    expect((await putBytes(server, created, bytes)).status).toBe(200);
    const id: string = created.body.data.attachmentId;
    // What a replica leaves when it dies mid-check: the bytes moved, the claim still held.
    await server.app.services.files.store.move(storageKeys.upload(id), storageKeys.file(id));
    const { db } = server.app.services;
    await db.updateTable('attachments').set({ checking_until: sql<Date>`now() - interval '1 second'` }).where('id', '=', id).execute();
    const completed = await complete(server, owner, id);
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    expect(completed.body.data).toMatchObject({ id, name: 'crashed.png', contentType: 'image/png' });
    expect((await storedSizes(server, id)).thumbnail).toBeGreaterThan(0);
    expect((await sendFiles(socket, guest.conversationId, [id])).success).toBe(true);
  });

  it('deletes uploads no message took after 24 hours, rows and bytes, and keeps sent ones', async () => {
    const sent = await file('sent.txt');
    expect((await sendFiles(socket, guest.conversationId, [sent.id])).success).toBe(true);
    const ready = await file('ready.txt');
    const uploadedOnly = await announce(server, owner, guest.conversationId, textFile('uploaded.txt'));
    expect((await putBytes(server, uploadedOnly, textFile().bytes)).status).toBe(200);
    const announcedOnly = await announce(server, owner, guest.conversationId, textFile('announced.txt'));
    const unsent = [ready.id, uploadedOnly.body.data.attachmentId, announcedOnly.body.data.attachmentId];
    expect((await storedSizes(server, ready.id)).file).toBe(ready.size);
    expect((await storedSizes(server, unsent[1]!)).upload).toBe(textFile().bytes.length);

    // 23 hours on: nothing is old enough.
    expect(await sweepAttachments(server.app.services, Date.now() + 23 * HOUR)).toBe(0);
    expect((await get(ready.id)).status).toBe(200);

    // 25 hours on, by the services' clock.
    const realNow = server.app.services.files.now;
    server.app.services.files.now = () => realNow() + 25 * HOUR;
    try {
      expect(await sweepAttachments(server.app.services)).toBeGreaterThanOrEqual(3);
      expect(await sweepAttachments(server.app.services)).toBe(0);
    } finally {
      server.app.services.files.now = realNow;
    }
    for (const id of unsent) {
      expectFailure(await get(id), 404, 'Attachment not found');
      expectFailure(await complete(server, owner, id), 404);
      expect(await storedSizes(server, id)).toEqual(NOTHING_STORED);
    }
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [ready.id]));
    // The sent file is untouched, for its owner and agents.
    expect((await storedSizes(server, sent.id)).file).toBe(sent.size);
    const [message] = (await fileMessages()).filter((m) => m.attachments[0].id === sent.id);
    for (const who of [owner, { token: admin.token }]) {
      expect((await get(sent.id, who)).status).toBe(200);
      expect((await download(server, message!.attachments[0].url, who)).bytes.toString()).toMatch(/^sent\.txt: /);
    }
  });

  it('lets only the uploader take back a file, only before it is sent', async () => {
    const mine = await file('mine.txt');
    const other = await guestWithConversation(server);
    for (const who of [{ guestId: other.guestId }, { token: user.token }, { token: admin.token }]) {
      expectFailure(await cancel(mine.id, who), 404, 'Attachment not found');
    }
    expect((await get(mine.id)).status).toBe(200);
    expect((await storedSizes(server, mine.id)).file).toBe(mine.size);

    const cancelled = await cancel(mine.id);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toEqual({ success: true, data: { attachmentId: mine.id, deleted: true } });
    expect(await storedSizes(server, mine.id)).toEqual(NOTHING_STORED);
    expectFailure(await get(mine.id), 404);
    expectFailure(await cancel(mine.id), 404);
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [mine.id]));

    // Uploaded but not completed: its bytes go too.
    const half = await announce(server, owner, guest.conversationId, textFile('half.txt'));
    await putBytes(server, half, textFile().bytes);
    expect((await cancel(half.body.data.attachmentId)).status).toBe(200);
    expect(await storedSizes(server, half.body.data.attachmentId)).toEqual(NOTHING_STORED);

    const sent = await file('sent.txt');
    expect((await sendFiles(socket, guest.conversationId, [sent.id])).success).toBe(true);
    expectFailure(await cancel(sent.id), 409, 'The file was already sent');
    expectFailure(await cancel(sent.id, { token: admin.token }), 404);
    expect((await get(sent.id, { token: admin.token })).status).toBe(200);
    expect((await storedSizes(server, sent.id)).file).toBe(sent.size);
  });

  it('sends a file once, only by its uploader, only in its conversation, and all or nothing', async () => {
    const before = (await fileMessages()).length;
    const once = await file('once.txt');
    const first = await sendFiles(socket, guest.conversationId, [once.id]);
    expect(first.success).toBe(true);
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [once.id], { clientMessageId: randomUUID() }));

    // An agent's upload into this conversation cannot go into another one.
    const otherGuest = await guestWithConversation(server);
    const agentsFile = await uploaded(server, { token: admin.token }, guest.conversationId, textFile('from-agent.txt'));
    const { socket: agent } = await server.connect({ token: admin.token });
    expectRefusedIds(await sendFiles(agent, otherGuest.conversationId, [agentsFile.id]));
    // The guest's own file cannot be sent by the agent, nor by another guest in their conversation.
    const guestsFile = await file('guests.txt');
    expectRefusedIds(await sendFiles(agent, guest.conversationId, [guestsFile.id]));
    const { socket: stranger } = await server.connect({ guestId: otherGuest.guestId });
    expectRefusedIds(await sendFiles(stranger, otherGuest.conversationId, [guestsFile.id]));
    // Nor by the owner together with one that is not theirs: nothing is taken.
    const pending = await announce(server, owner, guest.conversationId, textFile('pending.txt'));
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [guestsFile.id, agentsFile.id]));
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [guestsFile.id, pending.body.data.attachmentId]));
    expectRefusedIds(await sendFiles(socket, guest.conversationId, [guestsFile.id, randomUUID()]));
    expect(await fileMessages()).toHaveLength(before + 1);
    expect((await history(server, otherGuest.conversationId, { guestId: otherGuest.guestId })).messages.filter((m) => m.messageType === 'file')).toEqual([]);

    // Each still goes where it belongs.
    const guests = await sendFiles(socket, guest.conversationId, [guestsFile.id]);
    expect(guests.data.attachments.map((a: { id: string }) => a.id)).toEqual([guestsFile.id]);
    const agents = await sendFiles(agent, guest.conversationId, [agentsFile.id], { message: 'Here is the form' });
    expect(agents.data).toMatchObject({ senderType: 'admin', message: 'Here is the form', attachments: [{ id: agentsFile.id, name: 'from-agent.txt' }] });
    agent.disconnect();
    stranger.disconnect();
  });

  it('answers a retried send (same clientMessageId) with the same message and files, storing one', async () => {
    const [a, b, c] = [await file('a.txt'), await file('b.txt'), await file('c.txt')];
    const clientMessageId = randomUUID();
    const before = (await fileMessages()).length;
    const first = await sendFiles(socket, guest.conversationId, [a.id, b.id], { message: 'two files', clientMessageId });
    expect(first.success, JSON.stringify(first)).toBe(true);
    // The same again, over the same socket, over a new one after a reconnect, and naming another file.
    const { socket: again } = await server.connect({ ...owner });
    const retries = [
      await sendFiles(socket, guest.conversationId, [a.id, b.id], { message: 'two files', clientMessageId }),
      await sendFiles(again, guest.conversationId, [a.id, b.id], { message: 'two files', clientMessageId }),
      await sendFiles(again, guest.conversationId, [c.id], { message: 'two files', clientMessageId }),
    ];
    for (const retry of retries) {
      expect(retry.success, JSON.stringify(retry)).toBe(true);
      expect(retry.data.id).toBe(first.data.id);
      expect(retry.data.seq).toBe(first.data.seq);
      expect(retry.data.attachments.map((x: { id: string; name: string }) => [x.id, x.name])).toEqual([
        [a.id, 'a.txt'],
        [b.id, 'b.txt'],
      ]);
    }
    const messages = await fileMessages();
    expect(messages).toHaveLength(before + 1);
    expect(messages.filter((m) => m.clientMessageId === clientMessageId)).toHaveLength(1);
    // The file the last retry named was not taken.
    expect((await sendFiles(again, guest.conversationId, [c.id])).data.attachments[0].id).toBe(c.id);
    again.disconnect();
  });

  it('takes at most 5 files in one message, in the order given', async () => {
    const six: string[] = [];
    for (let i = 1; i <= 6; i++) six.push((await file(`file-${i}.txt`)).id);
    const tooMany = await sendFiles(socket, guest.conversationId, six);
    expectRefusedIds(tooMany);
    expect(tooMany.errors.find((e: { field: string }) => e.field === 'attachmentIds').message).toBe('A message can carry at most 5 files');
    const trpc = await trpcMutation(server, 'messages.send', { conversationId: guest.conversationId, messageType: 'file', attachmentIds: six }, owner);
    expect(trpc.status).toBe(400);
    const five = [six[4]!, six[0]!, six[3]!, six[1]!, six[2]!];
    const sent = await sendFiles(socket, guest.conversationId, five);
    expect(sent.data.attachments.map((a: { id: string }) => a.id)).toEqual(five);
    const [stored] = (await fileMessages()).filter((m) => m.id === sent.data.id);
    expect(stored!.attachments.map((a: { name: string }) => a.name)).toEqual(['file-5.txt', 'file-1.txt', 'file-4.txt', 'file-2.txt', 'file-3.txt']);
    expect((await sendFiles(socket, guest.conversationId, [six[5]!])).success).toBe(true);
  });

  it('refuses uploads and file messages in a closed conversation (409)', async () => {
    const closing = await guestWithConversation(server);
    const who = { guestId: closing.guestId };
    const ready = await uploaded(server, who, closing.conversationId, textFile());
    const closed = await request(server, `/api/support/admin/conversations/${closing.conversationId}/status`, { token: admin.token, body: { status: 'closed' } });
    expect(closed.status).toBe(200);

    expectFailure(await announce(server, who, closing.conversationId, textFile()), 409, 'Conversation is closed');
    expect((await trpcMutation(server, 'attachments.create', { conversationId: closing.conversationId, name: 'a.txt', size: 3 }, who)).status).toBe(409);
    const { socket: customer } = await server.connect(who);
    const errors: any[] = [];
    customer.on('message:error', (e) => errors.push(e));
    expect(await sendFiles(customer, closing.conversationId, [ready.id])).toEqual({ success: false, message: 'Conversation is closed' });
    await until(() => errors.length > 0, 'message:error');
    expect(errors[0]).toMatchObject({ code: 'CONFLICT', event: 'message:send' });
    const trpc = await trpcMutation(server, 'messages.send', { conversationId: closing.conversationId, messageType: 'file', attachmentIds: [ready.id] }, who);
    expect(trpc.status).toBe(409);
    expect(trpc.body.error.message).toBe('Conversation is closed');
    expect((await history(server, closing.conversationId, who)).messages.filter((m) => m.messageType === 'file')).toEqual([]);
    customer.disconnect();
  });
});

describe('part files on disk', () => {
  it('deletes the part file of an upload a crash cut, once no upload URL can still write to it', async () => {
    const server = await startServerOn('disk');
    const { storage } = server.app.services.files.settings;
    if (storage.kind !== 'disk') throw new Error('a disk store was expected');
    const uploads = path.join(storage.dir, 'uploads');
    await mkdir(uploads, { recursive: true });
    const stale = path.join(uploads, `${randomUUID()}.${randomUUID()}.part`);
    const growing = path.join(uploads, `${randomUUID()}.${randomUUID()}.part`);
    await writeFile(stale, 'half an upload, then the process was killed');
    await writeFile(growing, 'an upload still arriving');
    const anHourAgo = new Date(Date.now() - HOUR);
    await utimes(stale, anHourAgo, anHourAgo);
    await sweepAttachments(server.app.services);
    const left = await readdir(uploads);
    expect(left).not.toContain(path.basename(stale));
    expect(left).toContain(path.basename(growing));
    await rm(growing);
    await server.close();
  });
});
