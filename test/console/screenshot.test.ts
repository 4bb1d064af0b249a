import { mkdir, stat } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';
import { launchBrowser } from '../widget/browser.js';
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
    expect(await contrastFailures(page)).toEqual([]);
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

/** WCAG 2.x AA for every visible text against the nearest opaque background behind it. */
function contrastFailures(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as any;
    const parse = (c: string) => {
      const m = c.match(/rgba?\(([^)]+)\)/);
      if (!m) return null;
      const [r = 0, gr = 0, b = 0, a = 1] = m[1]!.split(/[ ,/]+/).filter(Boolean).map(Number);
      return { r, g: gr, b, a };
    };
    const lum = ({ r, g: gg, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * ch(r) + 0.7152 * ch(gg) + 0.0722 * ch(b);
    };
    const background = (el: any) => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(g.getComputedStyle(e).backgroundColor);
        if (c && c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const failures: string[] = [];
    for (const el of Array.from(g.document.body.querySelectorAll('*') as ArrayLike<any>)) {
      const ownText = Array.from(el.childNodes as ArrayLike<any>).some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!ownText || !el.getClientRects().length || el.closest('.sr-only, option, select')) continue;
      const style = g.getComputedStyle(el);
      const fg = parse(style.color)!;
      const [hi, lo] = [lum(fg), lum(background(el))].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) failures.push(`${el.className || el.tagName} "${el.textContent.slice(0, 20)}": ${ratio.toFixed(2)}`);
    }
    return failures;
  });
}
