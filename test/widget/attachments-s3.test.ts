import { readFile } from 'node:fs/promises';
import { PutBucketCorsCommand, S3Client } from '@aws-sdk/client-s3';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { download, PDF, pngWithMetadata, rawPixels, startS3, storedSizes } from '../attachments/helpers.js';
import { consoleTestBed, naturalWidth, openRow, recordViolations, violations } from '../console/console-page.js';
import { history } from '../realtime/helpers.js';
import { canRun } from '../support/requirements.js';
import { person } from '../support/server.js';
import { attach, guestConversation, handOver, openChat, rows, watch } from './browser.js';

/**
 * The attachments of test/widget/attachments.test.ts and test/console/attachments.test.ts, on an
 * S3 bucket (a real s3rver on loopback) instead of local disk: the pages PUT the bytes to the
 * bucket themselves, so the pages' CSP and the bucket's CORS rule must both let them.
 */

const poll = { timeout: 20_000, interval: 100 };

// The server reads its env when the bed starts it, and the bucket's port exists only once s3rver
// runs: this hook is registered first, so it runs first and fills the object the bed was given.
const s3Env: Record<string, string> = {};
let s3: Awaited<ReturnType<typeof startS3>> | undefined;
beforeAll(async () => {
  s3 = await startS3();
  Object.assign(s3Env, s3.env);
});
afterAll(() => s3?.close());
const bed = consoleTestBed(s3Env);
beforeAll(() => allowUploadsFrom(bed.server.url));
/** An admin for what the test reads over REST (the console's agent signs in with a token of its own). */
let admin: { id: string; token: string };
beforeAll(async () => void (admin = await person('admin')));

/** The CORS rule the README's "In production" asks of a bucket: the pages' origin may PUT, with the Content-Type the URL signs. */
async function allowUploadsFrom(origin: string) {
  const client = new S3Client({ region: s3Env.S3_REGION, endpoint: s3Env.S3_ENDPOINT, forcePathStyle: true });
  try {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: s3Env.S3_BUCKET,
        CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['PUT'], AllowedHeaders: ['content-type'] }] },
      }),
    );
  } finally {
    client.destroy();
  }
}

/** Every PUT the page sends, as "PUT <bucket|server> <path>": where an upload's bytes went. */
function putsOf(page: Page): string[] {
  const puts: string[] = [];
  page.on('request', (r) => {
    if (r.method() !== 'PUT') return;
    const url = new URL(r.url());
    const host = url.origin === new URL(s3Env.S3_ENDPOINT!).origin ? 'bucket' : url.origin === bed.server.url ? 'server' : url.origin;
    puts.push(`PUT ${host} ${url.pathname.replace(/[0-9a-f-]{36}/, ':id')}`);
  });
  return puts;
}

/** A visitor with the widget open on the demo page, watched for CSP violations and uncaught errors. */
async function guestOnDemoPage() {
  const context = await bed.context({ viewport: { width: 1000, height: 720 } });
  const page = await context.newPage();
  await recordViolations(page);
  const watched = watch(page);
  const puts = putsOf(page);
  await page.goto(`${bed.server.url}/`);
  await openChat(page);
  return { page, watched, puts };
}

const statuses = async (page: Page) => (await rows(page)).map((r) => r.status);
const savedBytes = async (download: Download) => readFile((await download.path())!);

/**
 * The RGB pixels an <img> on the page shows, read back through a canvas: the page's CSP (rightly)
 * keeps a script from fetching its blob: URL, and Playwright keeps no body for the page's own fetch.
 */
async function shownPixels(page: Page, selector: string): Promise<Buffer> {
  const rgba = await page.locator(selector).evaluate((img: any) => {
    const canvas = (globalThis as any).document.createElement('canvas');
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let binary = '';
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return (globalThis as any).btoa(binary) as string;
  });
  const bytes = Buffer.from(rgba, 'base64');
  return Buffer.from(bytes.filter((_, i) => i % 4 !== 3));
}

/** The attachments of a conversation's file messages, read by an admin over REST. */
async function sentFiles(conversationId: string) {
  const { messages } = await history(bed.server, conversationId, { token: admin.token });
  return messages.filter((m) => m.messageType === 'file').flatMap((m) => m.attachments as { id: string; name: string; url: string; thumbnailUrl?: string }[]);
}

describe.runIf(canRun('browser'))('attachments on S3, in the browser', { timeout: 90_000 }, () => {
  it("sends a guest's screenshot and PDF straight to the bucket; the agent gets the same, another guest nothing", async () => {
    const png = await pngWithMetadata(480, 360);
    const guest = await guestOnDemoPage();
    await guest.page.getByRole('textbox', { name: 'Message' }).fill('It fails here');
    await handOver(guest.page, 'paste', { name: 'screenshot.png', type: 'image/png', bytes: png });
    await attach(guest.page, { name: 'invoice.pdf', mimeType: 'application/pdf', buffer: PDF });
    await expect.poll(() => statuses(guest.page), poll).toEqual(['sent', 'sent']);

    // The bytes went to the bucket, one PUT per file, and never through this server.
    expect(guest.puts).toEqual(['PUT bucket /attachments/uploads/:id', 'PUT bucket /attachments/uploads/:id']);
    const { conversationId } = await guestConversation(bed.server, guest.page);
    const [shot, pdf] = await sentFiles(conversationId);
    expect([shot!.name, pdf!.name]).toEqual(['screenshot.png', 'invoice.pdf']);
    // The bucket keeps them, moved out of the upload URL's reach once checked.
    expect(await storedSizes(bed.server, pdf!.id)).toEqual({ upload: undefined, file: PDF.length, thumbnail: undefined });
    expect(await storedSizes(bed.server, shot!.id)).toMatchObject({ upload: undefined, file: expect.any(Number), thumbnail: expect.any(Number) });

    // The agent sees the thumbnail, downloads the PDF (the same bytes) and opens the full image:
    // the guest's pixels, shown and served without the guest's metadata.
    const agent = await bed.agent();
    await openRow(agent.page, conversationId);
    await expect.poll(() => naturalWidth(agent.page, '.msg-customer .thumb img'), poll).toEqual([320]);
    const [saved] = await Promise.all([agent.page.waitForEvent('download'), agent.page.getByRole('button', { name: /^Download invoice\.pdf/ }).click()]);
    expect((await savedBytes(saved)).equals(PDF)).toBe(true);
    await agent.page.getByRole('button', { name: 'Open screenshot.png' }).click();
    await expect.poll(() => naturalWidth(agent.page, '.lightbox img'), poll).toEqual([480]);
    expect(await shownPixels(agent.page, '.lightbox img')).toEqual(await rawPixels(png));
    const served = await download(bed.server, shot!.url, { token: admin.token });
    expect(served.status).toBe(200);
    expect(await rawPixels(served.bytes)).toEqual(await rawPixels(png));
    expect(served.bytes.includes('SecretPhone')).toBe(false);

    // Another guest, in a browser of its own, gets neither the files nor the thumbnail.
    const other = await guestOnDemoPage();
    const { guestId: otherId } = await guestConversation(bed.server, other.page);
    const links = [shot!.url, shot!.thumbnailUrl!, pdf!.url];
    const tries = await other.page.evaluate(
      ({ links, otherId }) =>
        Promise.all(
          links.flatMap((url) =>
            [{ 'X-Guest-Id': otherId }, {} as Record<string, string>].map(async (headers) => {
              const response = await fetch(url, { headers });
              const body = await response.text();
              return `${response.status}${body.includes('PDF') || body.includes('PNG') || body.includes('WEBP') ? ' with the bytes' : ''}`;
            }),
          ),
        ),
      { links, otherId },
    );
    expect(tries).toEqual(['404', '401', '404', '401', '404', '401']);

    for (const page of [guest.page, agent.page, other.page]) expect(await violations(page)).toEqual([]);
    expect([...guest.watched.errors, ...other.watched.errors, ...agent.problems()]).toEqual([]);
  });

  it("sends an agent's file from the console straight to the bucket, and the guest downloads it", async () => {
    const guest = await guestOnDemoPage();
    const box = guest.page.getByRole('textbox', { name: 'Message' });
    await box.fill('Do you have a guide?');
    await box.press('Enter');
    await expect.poll(() => statuses(guest.page), poll).toEqual(['sent']);
    const { conversationId } = await guestConversation(bed.server, guest.page);

    const agent = await bed.agent();
    const agentPuts = putsOf(agent.page);
    const reply = await openRow(agent.page, conversationId);
    await reply.fill('Here it is');
    await attach(agent.page, { name: 'guide.pdf', mimeType: 'application/pdf', buffer: PDF });
    await expect.poll(async () => (await sentFiles(conversationId)).map((a) => a.name), poll).toEqual(['guide.pdf']);
    expect(agentPuts).toEqual(['PUT bucket /attachments/uploads/:id']);

    // The guest's widget shows it live, and its download row gives the agent's bytes.
    const file = guest.page.getByRole('button', { name: /guide\.pdf/ });
    await expect.poll(() => file.count(), poll).toBe(1);
    const [saved] = await Promise.all([guest.page.waitForEvent('download'), file.click()]);
    expect((await savedBytes(saved)).equals(PDF)).toBe(true);

    for (const page of [guest.page, agent.page]) expect(await violations(page)).toEqual([]);
    expect([...guest.watched.errors, ...agent.problems()]).toEqual([]);
  });
});
