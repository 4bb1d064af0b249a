import { mkdir, readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { request, type TestServer } from '../support/server.js';
import { attach, contrastFailures, CuttableProxy, focused, guestConversation, handOver, openChat, rows, widgetHarness } from './browser.js';

// Each run saves a screenshot of the files in the list, for a look (not compared).
const SCREENSHOT = new URL('../../test-results/widget-attachments.png', import.meta.url);
const poll = { timeout: 20_000, interval: 100 };
/** The server's limit in these tests; the widget is told it where a test says so. */
const MAX_BYTES = 200_000;

const harness = widgetHarness({ ATTACHMENT_MAX_BYTES: String(MAX_BYTES) });
const { visitor } = harness;
let server: TestServer;
let admin: { id: string; token: string };
beforeAll(() => void ({ server, admin } = harness));

/** A screenshot-like PNG whose every pixel differs from its neighbours', larger than a thumbnail. */
async function screenshotPng() {
  const width = 480;
  const height = 270;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([x % 256, y % 256, (x * 7 + y * 3) % 256], (y * width + x) * 3);
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A small PDF (the bytes say PDF; the body is padded to `size`). */
function pdf(size = 3_000): Buffer {
  const head = '%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n';
  const tail = 'trailer << /Root 1 0 R >>\n%%EOF\n';
  return Buffer.from(head + '%'.repeat(size - head.length - tail.length - 1) + '\n' + tail);
}

const pixelsOf = (bytes: Buffer) => sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });

/** The requests the page makes about attachments, as "METHOD /path". */
function attachmentCalls(page: Page): string[] {
  const calls: string[] = [];
  page.on('request', (r) => {
    const { pathname } = new URL(r.url());
    if (pathname.startsWith('/api/support/attachments')) calls.push(`${r.method()} ${pathname.replace(/[0-9a-f-]{36}/, ':id')}`);
  });
  return calls;
}

const thumbnail = (page: Page, name: string) => page.getByRole('button', { name: `Open image ${name}` }).locator('img');
const loadedWidth = (img: ReturnType<typeof thumbnail>) => img.evaluate((el: any) => (el.complete ? el.naturalWidth : 0));
const statuses = async (page: Page) => (await rows(page)).map((r) => r.status);

async function fileMessages(conversationId: string) {
  const history = await request(server, `/api/support/conversation/${conversationId}/messages?limit=100`, { token: admin.token });
  return (history.body.data.messages as { messageType: string; message: string; attachments?: { name: string; url: string; thumbnailUrl?: string; size: number }[] }[]).filter(
    (m) => m.messageType === 'file',
  );
}

describe.runIf(canRun('browser'))('files in the widget', { timeout: 90_000 }, () => {
  it('sends a pasted screenshot and a picked PDF; the agent gets the same bytes, another guest gets nothing', async () => {
    const png = await screenshotPng();
    const invoice = pdf();
    const { page, watched } = await visitor();
    await openChat(page);

    // (a) Paste a screenshot with a caption typed first, then attach a PDF with the button.
    await page.getByRole('textbox', { name: 'Message' }).fill('Here is the error');
    await handOver(page, 'paste', { name: 'screenshot.png', type: 'image/png', bytes: png });
    await attach(page, { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: invoice });
    await expect.poll(() => statuses(page), poll).toEqual(['sent', 'sent']);
    expect((await rows(page)).map((r) => r.text)).toEqual(['Here is the error', '']);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
    await expect.poll(() => loadedWidth(thumbnail(page, 'screenshot.png')), poll).toBeGreaterThan(0);
    const pdfRow = page.getByRole('button', { name: /invoice\.pdf/ });
    expect(await pdfRow.textContent()).toBe('invoice.pdf3 KBDownload');
    expect(await pdfRow.isVisible()).toBe(true);
    expect(await contrastFailures(page)).toEqual([]);
    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname });

    // The thumbnail opens the full image in the widget; Escape closes it, focus goes back.
    await page.getByRole('button', { name: 'Open image screenshot.png' }).click();
    const lightbox = page.getByRole('dialog', { name: 'screenshot.png' });
    await expect.poll(() => loadedWidth(lightbox.locator('img')), poll).toBe(480);
    expect(await contrastFailures(page)).toEqual([]);
    await page.screenshot({ path: SCREENSHOT.pathname.replace('.png', '-lightbox.png') });
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ label: 'Close image' });
    await page.keyboard.press('Escape');
    expect(await lightbox.isVisible()).toBe(false);
    expect(await focused(page)).toMatchObject({ label: 'Open image screenshot.png' });
    expect(await page.getByRole('dialog', { name: 'Support' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Open image screenshot.png' }).click();
    await page.getByRole('button', { name: 'Close image' }).click();
    expect(await lightbox.isVisible()).toBe(false);

    // The PDF row downloads the file itself.
    const [download] = await Promise.all([page.waitForEvent('download'), pdfRow.click()]);
    expect(download.suggestedFilename()).toBe('invoice.pdf');
    expect((await readFile((await download.path())!)).equals(invoice)).toBe(true);

    // (b) The agent reads the history and downloads both with its token.
    const { conversationId } = await guestConversation(server, page);
    const [shot, doc] = await fileMessages(conversationId);
    expect(shot).toMatchObject({ message: 'Here is the error', attachments: [{ name: 'screenshot.png' }] });
    expect(doc).toMatchObject({ message: '', attachments: [{ name: 'invoice.pdf', size: invoice.length }] });
    const asAgent = async (url: string) => {
      const response = await fetch(server.url + url, { headers: { authorization: `Bearer ${admin.token}` } });
      expect(response.status).toBe(200);
      return Buffer.from(await response.arrayBuffer());
    };
    expect((await asAgent(doc!.attachments![0]!.url)).equals(invoice)).toBe(true);
    const [sent, original] = await Promise.all([pixelsOf(await asAgent(shot!.attachments![0]!.url)), pixelsOf(png)]);
    expect(sent.info).toMatchObject({ width: 480, height: 270 });
    expect(sent.data.equals(original.data)).toBe(true);

    // (c) Another guest, in its own browser, cannot open either link.
    const other = await visitor();
    await openChat(other.page);
    const { guestId: otherId } = await guestConversation(server, other.page);
    const links = [doc!.attachments![0]!.url, shot!.attachments![0]!.url, shot!.attachments![0]!.thumbnailUrl!];
    const tries = await other.page.evaluate(
      async ({ links, otherId }) =>
        Promise.all(
          links.map(async (url) => [(await fetch(url, { headers: { 'X-Guest-Id': otherId } })).status, (await fetch(url)).status]),
        ),
      { links, otherId },
    );
    expect(tries).toEqual([
      [404, 401],
      [404, 401],
      [404, 401],
    ]);
    expect(watched.errors).toEqual([]);
    expect(other.watched.errors).toEqual([]);
  });

  it('takes a file dropped onto the panel, and shows file names and captions as text, never as markup', async () => {
    const { page, watched } = await visitor();
    await openChat(page);
    const name = '<img src=x onerror=alert(1)>.txt';
    await page.getByRole('textbox', { name: 'Message' }).fill('<b>see</b> <script>alert(2)</script>');
    await handOver(page, 'drop', { name, type: 'text/plain', bytes: Buffer.from('plain words\n') });
    await expect.poll(() => statuses(page), poll).toEqual(['sent']);
    expect((await rows(page))[0]!.text).toBe('<b>see</b> <script>alert(2)</script>');
    expect(await page.getByRole('button', { name: /onerror/ }).textContent()).toBe(`${name}12 bytesDownload`);
    expect(await page.locator('.list img, .list b, .list script').count()).toBe(0);
    expect(watched.dialogs).toEqual([]);
  });

  it('refuses a file over the limit before it uploads, and shows why the server refused a disguised one', async () => {
    const { page, watched } = await visitor();
    // The site tells the widget its server's limit.
    await page.evaluate((maxFileBytes) => (globalThis as any).SupportWidget.boot({ maxFileBytes }), MAX_BYTES);
    await openChat(page);
    const calls = attachmentCalls(page);

    // (d) Too large: said at once by the input, and nothing is sent.
    await attach(page, { name: 'big.pdf', mimeType: 'application/pdf', buffer: pdf(MAX_BYTES + 100_000) });
    const notice = page.getByRole('alert').filter({ hasText: 'big.pdf is larger than 195 KB.' });
    await expect.poll(() => notice.isVisible(), poll).toBe(true);
    await page.waitForTimeout(300);
    expect(await rows(page)).toEqual([]);
    expect(calls).toEqual([]);
    expect(await contrastFailures(page)).toEqual([]);

    // An HTML page named x.png goes up, then the server reads its bytes and refuses it.
    await attach(page, { name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><script>alert(1)</script><p>not a picture</p>') });
    await expect.poll(() => statuses(page), poll).toEqual(['failed']);
    expect(await page.getByText('Not sent: This type of file is not allowed').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Retry' }).isVisible()).toBe(true);
    expect(await notice.isVisible()).toBe(false);
    expect(calls).toEqual(['POST /api/support/attachments', 'PUT /api/support/attachments/:id/upload', 'POST /api/support/attachments/:id/complete']);
    expect(await contrastFailures(page)).toEqual([]);

    // A widget not told the limit: the server refuses the announcement, before any byte goes.
    const unaware = await visitor();
    await openChat(unaware.page);
    const unawareCalls = attachmentCalls(unaware.page);
    await attach(unaware.page, { name: 'big.pdf', mimeType: 'application/pdf', buffer: pdf(MAX_BYTES + 100_000) });
    await expect.poll(() => statuses(unaware.page), poll).toEqual(['failed']);
    expect(await unaware.page.getByText('Not sent: File is larger than 0.2 MB').isVisible()).toBe(true);
    expect(unawareCalls).toEqual(['POST /api/support/attachments']);
    expect(watched.errors).toEqual([]);
  });

  it('keeps a file picked offline in the outbox and sends it after the reconnect', async () => {
    const proxy = new CuttableProxy(Number(new URL(server.url).port));
    const viaProxy = await proxy.listen();
    try {
      const { page, watched } = await visitor(`${viaProxy}/`);
      await openChat(page);
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill('Before the outage');
      await box.press('Enter');
      await expect.poll(() => statuses(page), poll).toEqual(['sent']);
      const { conversationId } = await guestConversation(server, page);

      // (e) The connection drops; a file picked now waits, with its name and size shown.
      proxy.cut();
      await expect.poll(() => page.getByText('Connection lost. Reconnecting…').isVisible(), poll).toBe(true);
      await attach(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Order 1234, paid twice.\n') });
      await expect.poll(() => statuses(page), poll).toEqual(['sent', 'pending']);
      const waiting = page.locator('.up');
      expect(await waiting.textContent()).toBe('notes.txt24 bytes');
      expect(await waiting.locator('progress').evaluate((el: any) => el.value)).toBe(0);
      await page.waitForTimeout(1_000);
      expect(await statuses(page)).toEqual(['sent', 'pending']);
      expect(await fileMessages(conversationId)).toEqual([]);

      proxy.restore();
      await expect.poll(() => statuses(page), { timeout: 30_000, interval: 200 }).toEqual(['sent', 'sent']);
      expect(await page.getByRole('button', { name: /notes\.txt/ }).textContent()).toBe('notes.txt24 bytesDownload');
      expect(await page.locator('.up').count()).toBe(0);
      expect(await fileMessages(conversationId)).toMatchObject([{ attachments: [{ name: 'notes.txt', size: 24 }] }]);
      expect(watched.errors).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('shows an upload’s progress, and Cancel takes it back: gone from the list and from the server', async () => {
    const { page, watched } = await visitor();
    await openChat(page);
    const { conversationId } = await guestConversation(server, page);
    // A slow line, so the upload is still on its way when the visitor changes their mind.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 20_000 });

    await attach(page, { name: 'report.pdf', mimeType: 'application/pdf', buffer: pdf(MAX_BYTES - 10_000) });
    const bar = page.locator('.up progress');
    await expect.poll(() => bar.evaluate((el: any) => el.value as number), poll).toBeGreaterThan(0);
    expect(await bar.evaluate((el: any) => el.value as number)).toBeLessThan(1);
    expect(await page.locator('.up').textContent()).toBe('report.pdf186 KB');
    expect(await contrastFailures(page)).toEqual([]);

    // (f) Cancel: the row goes at once, and the server forgets the half-sent file.
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await rows(page)).toEqual([]);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    const attachments = () => server.db.selectFrom('attachments').select('id').where('conversation_id', '=', conversationId).execute();
    await expect.poll(attachments, poll).toEqual([]);
    await page.waitForTimeout(500);
    expect(await rows(page)).toEqual([]);
    expect(await fileMessages(conversationId)).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
