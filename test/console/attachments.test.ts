import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../client/src/index.js';
import { download, PDF, pngWithMetadata, rawPixels, uploaded } from '../attachments/helpers.js';
import { history } from '../realtime/helpers.js';
import { call, guestWithConversation } from '../rest/helpers.js';
import { canRun } from '../support/requirements.js';
import { consoleTestBed, inboxRows, naturalWidth, openRow, violations } from './console-page.js';

const poll = { timeout: 15_000, interval: 100 };

const bed = consoleTestBed();

/** A guest over REST and a socket, as an app of its own would be, who has written `first`. */
async function restGuest(first: string) {
  const { server } = bed;
  const guest = await guestWithConversation(server);
  const { socket } = await server.connect({ guestId: guest.guestId });
  const send = async (input: { message: string; messageType?: 'file'; attachmentIds?: string[] }) => {
    const ack = await call(socket, 'message:send', { conversationId: guest.conversationId, clientMessageId: randomUUID(), ...input });
    expect(ack.success, JSON.stringify(ack)).toBe(true);
    return ack.data;
  };
  await send({ message: first });
  const fileMessages = async () => (await history(server, guest.conversationId, { guestId: guest.guestId })).messages.filter((m) => m.messageType === 'file');
  return { ...guest, send, fileMessages, who: { guestId: guest.guestId } };
}

const previewOf = async (page: Page, conversationId: string) => (await inboxRows(page)).find((r) => r.id === conversationId)?.preview;

/** An agent in the console with a guest's conversation open. */
async function agentWithGuest(first: string) {
  const agent = await bed.agent();
  const guest = await restGuest(first);
  const box = await openRow(agent.page, guest.conversationId);
  return { agent, page: agent.page, guest, box };
}

/** A File for the page to make (it cannot read the test's): its bytes, or only a size of zeros. */
function inPageFile(name: string, type: string, bytes: Buffer | number) {
  return typeof bytes === 'number' ? { name, type, size: bytes, base64: null } : { name, type, size: bytes.length, base64: bytes.toString('base64') };
}

/**
 * Files as the browser hands them over: pasted into the reply box (a screenshot tool's
 * clipboard), or dragged from the desktop onto the conversation pane and dropped.
 */
async function handOver(page: Page, how: 'paste' | 'drop', files: ReturnType<typeof inPageFile>[]) {
  const target = how === 'paste' ? page.getByRole('textbox', { name: 'Reply' }) : page.locator('.thread-column');
  await target.evaluate(
    (el, { how, files }) => {
      const g = globalThis as any;
      const data = new g.DataTransfer();
      for (const f of files) data.items.add(new g.File([f.base64 ? Uint8Array.from(g.atob(f.base64), (c: string) => c.charCodeAt(0)) : new Uint8Array(f.size)], f.name, { type: f.type }));
      const init = { bubbles: true, cancelable: true };
      if (how === 'paste') el.dispatchEvent(new g.ClipboardEvent('paste', { ...init, clipboardData: data }));
      else for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new g.DragEvent(type, { ...init, dataTransfer: data }));
    },
    { how, files },
  );
}

/** Picks files with the attach button's file chooser. */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Attach files' }).click()]);
  await chooser.setFiles(files);
}

describe.runIf(canRun('browser'))('attachments in the console', { timeout: 90_000 }, () => {
  it("shows a guest's screenshot as a thumbnail that opens full size, and a PDF that downloads", async () => {
    const agent = await bed.agent();
    const { page } = agent;
    const { server } = bed;
    const guest = await restGuest('Hello, the app crashes');
    await expect.poll(() => previewOf(page, guest.conversationId), poll).toBe('Hello, the app crashes');

    const png = await pngWithMetadata(480, 360);
    const screenshot = await uploaded(server, guest.who, guest.conversationId, { name: 'screenshot.png', bytes: png, type: 'image/png' });
    const pdf = await uploaded(server, guest.who, guest.conversationId, { name: 'invoice.pdf', bytes: PDF, type: 'application/pdf' });
    await guest.send({ message: '', messageType: 'file', attachmentIds: [screenshot.id, pdf.id] });

    // The inbox row says so live, from the event alone (the row is held and unopened: nothing refetches it).
    await expect.poll(() => previewOf(page, guest.conversationId), poll).toBe('📎 screenshot.png +1');
    await openRow(page, guest.conversationId);

    // The open thread shows the thumbnail (fetched with the agent's token: a bare link loads nothing).
    const thumbnail = '.msg-customer .thumb img';
    await expect.poll(() => naturalWidth(page, thumbnail), poll).toEqual([320]);
    expect(await page.locator(thumbnail).getAttribute('alt')).toBe('screenshot.png');
    const row = page.getByRole('button', { name: /^Download invoice\.pdf/ });
    expect(await row.textContent()).toBe(`📄 invoice.pdf ${formatBytes(PDF.length)}`);

    // A click on the PDF row downloads it, the same bytes.
    const [saved] = await Promise.all([page.waitForEvent('download'), row.click()]);
    expect(saved.suggestedFilename()).toBe('invoice.pdf');
    expect((await readFile((await saved.path())!)).equals(PDF)).toBe(true);

    // A click on the thumbnail opens the full image; Escape closes it, and only it: the
    // conversation behind stays open.
    await page.getByRole('button', { name: 'Open screenshot.png' }).click();
    const lightbox = page.getByRole('dialog', { name: 'screenshot.png' });
    await expect.poll(() => naturalWidth(page, '.lightbox img'), poll).toEqual([480]);
    expect(await lightbox.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count(), poll).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.getByRole('button', { name: 'Open screenshot.png' }).isVisible()).toBe(true);

    expect(await violations(page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
  });

  it('sends a pasted screenshot and a picked PDF, with the typed text as their caption, that the guest can download', async () => {
    const { agent, page, guest, box } = await agentWithGuest('Where do I click?');

    const png = await pngWithMetadata(200, 100);
    await box.fill('Here, top right');
    await handOver(page, 'paste', [inPageFile('pasted.png', 'image/png', png)]);
    // Sent at once: the box empties, and the agent's own message shows its thumbnail.
    await expect.poll(() => box.inputValue(), poll).toBe('');
    await expect.poll(() => naturalWidth(page, '.msg-agent:not(.msg-outgoing) .thumb img'), poll).toEqual([200]);

    await box.fill('And the guide');
    await attach(page, [{ name: 'guide.pdf', mimeType: 'application/pdf', buffer: PDF }]);
    await expect.poll(() => page.locator('.msg-agent:not(.msg-outgoing)').getByRole('button', { name: /^Download guide\.pdf/ }).count(), poll).toBe(1);
    await expect.poll(() => previewOf(page, guest.conversationId), poll).toBe('Agent: 📎 guide.pdf And the guide');

    // The guest's history has both, with their captions, and the guest can download them.
    await expect
      .poll(async () => (await guest.fileMessages()).map((m) => [m.message, m.attachments.map((a: { name: string; contentType: string }) => `${a.name} ${a.contentType}`)]), poll)
      .toEqual([
        ['Here, top right', ['pasted.png image/png']],
        ['And the guide', ['guide.pdf application/pdf']],
      ]);
    const [pasted, guide] = (await guest.fileMessages()).map((m) => m.attachments[0]);
    const pdfBack = await download(bed.server, guide.url, guest.who);
    expect(pdfBack.status).toBe(200);
    expect(pdfBack.bytes.equals(PDF)).toBe(true);
    const pngBack = await download(bed.server, pasted.url, guest.who);
    expect(pngBack.status).toBe(200);
    expect(await rawPixels(pngBack.bytes)).toEqual(await rawPixels(png));

    expect(await violations(page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
  });

  it('says at once what cannot be sent, and shows the server refusing an HTML page named .png', async () => {
    const { agent, page, guest, box } = await agentWithGuest('Can I send you files?');
    const alert = page.locator('.reply [role="alert"]');

    // Too big (over the default 10 MB), dropped onto the pane: refused before any byte goes; the caption stays.
    await box.fill('The logs');
    await handOver(page, 'drop', [inPageFile('logs.zip', 'application/zip', 10 * 1024 * 1024 + 1)]);
    await expect.poll(() => alert.textContent(), poll).toBe('logs.zip is larger than 10 MB.');
    expect(await box.inputValue()).toBe('The logs');
    // Too many at once.
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `note-${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`note ${i}\n`) }));
    await attach(page, six);
    await expect.poll(() => alert.textContent(), poll).toBe('Send up to 5 files at a time.');
    expect(await page.locator('.msg-outgoing').count()).toBe(0);
    expect(agent.calls.filter((c) => c.startsWith('attachments.'))).toEqual([]);

    // Bytes that are not what the name says: the server's reason on the row, with Retry and Cancel.
    const html = Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>\n');
    await box.fill('See this');
    await attach(page, [{ name: 'page.png', mimeType: 'image/png', buffer: html }]);
    const failed = page.locator('.msg-outgoing[data-state="failed"]');
    await expect.poll(() => failed.count(), poll).toBe(1);
    // The bytes went up and the server read them (an HTML page is not an allowed type, whatever its name).
    expect(agent.calls.filter((c) => c.startsWith('attachments.'))).toEqual(['attachments.create', 'attachments.complete']);
    expect(await failed.locator('.msg-status').textContent()).toBe('Failed: This type of file is not allowed');
    expect(await failed.locator('.outbox-files li').textContent()).toBe(`page.png ${formatBytes(html.length)}`);
    expect(await failed.locator('.msg-text').textContent()).toBe('See this');
    expect(await failed.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await failed.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('.msg-outgoing').count(), poll).toBe(0);
    expect(await guest.fileMessages()).toEqual([]);
    // Nothing ran (no dialog, no uncaught error); the one error the browser logs is the refusal's 415.
    expect(agent.problems()).toEqual(['Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)']);
  });
});
