import { mkdir, stat } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';
import { contrastFailures, launchBrowser } from '../widget/browser.js';
import { openConsole, signIn } from './console-page.js';
import { customer } from './seed.js';

const SCREENSHOT = new URL('../../docs/console.png', import.meta.url);
const poll = { timeout: 15_000, interval: 100 };

let server: TestServer;
let browser: Browser;
let admin: { id: string; token: string };
let opened: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await person('admin', { firstName: 'Ada', lastName: 'Lovelace' });
  const agent = trpcClient(server.url, { token: admin.token });
  for (const [name, text] of [
    ['Grace Hopper', 'Can I change the delivery address?'],
    ['Alan Turing', 'The invoice shows the wrong VAT number'],
  ] as const) {
    await (await customer(server, { token: (await person('user', { firstName: name, email: `${name.split(' ')[0]!.toLowerCase()}@example.com` })).token })).say(text);
  }
  const linus = await customer(server, { token: (await person('user', { firstName: 'Linus', lastName: 'Pauling', email: 'linus@example.com' })).token });
  await linus.say('Hello! My order #4411 has not arrived yet.');
  await agent.messages.send.mutate({ conversationId: linus.conversationId, message: 'Sorry about that, let me check the tracking.' });
  await agent.notes.create.mutate({ conversationId: linus.conversationId, text: 'Carrier confirmed a delay; offer a refund if past Friday.' });
  await linus.say('Thanks, it was due on Monday.');
  await agent.inbox.setPriority.mutate({ conversationId: linus.conversationId, priority: 'high' });
  await (await customer(server, { subject: 'Billing question' })).say('Do you accept bank transfers?');
  opened = linus.conversationId;
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Text that overflows the page sideways, or is clipped off it. */
function horizontalOverflow(page: Page) {
  return page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
}

describe.runIf(canRun('browser'))('the console on a desktop and on a phone', { timeout: 60_000 }, () => {
  it('saves docs/console.png at 1280×720 with a conversation open, every text at AA contrast', async () => {
    const { page, context, problems } = await openConsole(browser, server.url);
    await signIn(page, admin.token);
    await page.locator(`.inbox-row[data-id="${opened}"]`).click();
    await expect.poll(() => page.locator('.msg-note').count(), poll).toBe(1);
    await expect.poll(() => page.locator('.msg-text').count(), poll).toBeGreaterThanOrEqual(4);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(await contrastFailures(page, { host: null, skip: '.sr-only, option, select' })).toEqual([]);
    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
    expect(problems()).toEqual([]);
    await context.close();
  });

  it('is usable at 390 px wide: the list, then the conversation with a way back', async () => {
    const { page, context, problems } = await openConsole(browser, server.url, { viewport: { width: 390, height: 800 } });
    await signIn(page, admin.token);
    await page.locator(`.inbox-row[data-id="${opened}"]`).click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Reply' }).isVisible(), poll).toBe(true);
    expect(await page.locator('.inbox').isVisible()).toBe(false);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.getByRole('button', { name: 'Back to the inbox' }).click();
    await expect.poll(() => page.locator('.inbox').isVisible(), poll).toBe(true);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(problems()).toEqual([]);
    await context.close();
  });
});
