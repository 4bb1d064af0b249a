import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { agentIn, customerSite, guestConversation, launchBrowser, rows, watch } from './browser.js';
import { PAYLOADS } from './xss-payloads.js';


let server: TestServer;
let browser: Browser;
// The customer site has no CSP, so nothing but the widget's own rendering stands in the way.
let site: Awaited<ReturnType<typeof customerSite>>;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  site = await customerSite(
    `<!doctype html><html><head><title>A customer's shop</title></head><body><h1>Shop</h1>` +
      `<script src="${server.url}/widget.js" async></script></body></html>`,
  );
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await server?.close();
});

/** Anything in the page or the widget that markup from a message could have made. */
function injected(page: Page) {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const root = doc.querySelector('support-chat-widget')?.shadowRoot;
    const all = [...Array.from(doc.querySelectorAll('*') as ArrayLike<any>), ...Array.from((root?.querySelectorAll('*') ?? []) as ArrayLike<any>)];
    const found: string[] = [];
    for (const el of all) {
      for (const attr of Array.from(el.attributes as ArrayLike<any>)) {
        if (/^on/i.test(attr.name) || /javascript:/i.test(attr.value)) found.push(`${el.tagName}[${attr.name}]`);
      }
    }
    // The widget's own controls outside the message list are left out by their place: the
    // composer's attach button and its file input, the email offer's field and buttons, the
    // image viewer's picture.
    const suspicious =
      'img:not(.lb > img), script, iframe, object, embed, video, audio, source, details, marquee, math, a, meta, link, ' +
      'input:not(form > input[type=file], form.em > input[type=email]), x, style, svg:not([aria-hidden="true"]), ' +
      'form button:not(.send, .attach, form.em > button), div[style]';
    for (const el of Array.from((root?.querySelectorAll(suspicious) ?? []) as ArrayLike<any>)) found.push(`widget ${el.tagName}`);
    const pageScripts = Array.from(doc.querySelectorAll('script') as ArrayLike<any>).map((s) => s.src);
    if (pageScripts.length !== 1) found.push(`page scripts: ${pageScripts.join(', ')}`);
    return { found, xss: (globalThis as any).__xss ?? null };
  });
}

describe.runIf(canRun('browser'))('XSS: message text is only ever text', { timeout: 90_000 }, () => {
  it(`shows ${PAYLOADS.length} payloads from an agent and from the guest as literal text, live and from history`, async () => {
    expect(PAYLOADS.length).toBeGreaterThanOrEqual(30);
    const context = await browser.newContext();
    const page = await context.newPage();
    const watched = watch(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(site.url);

    // The guest writes every payload through the widget.
    await page.getByRole('button', { name: 'Open support chat' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    for (const payload of PAYLOADS) {
      await box.fill(payload);
      await box.press('Enter');
    }
    await expect
      .poll(async () => (await rows(page)).filter((r) => r.status === 'sent').length, { timeout: 30_000, interval: 200 })
      .toBe(PAYLOADS.length);

    // The agent answers with every payload too.
    const { conversationId } = await guestConversation(server, page);
    const admin = await person('admin');
    const agent = await agentIn(server, admin.token, conversationId);
    for (const payload of PAYLOADS) await agent.say(payload);

    const expected = [...PAYLOADS.map((text) => ({ kind: 'me', text })), ...PAYLOADS.map((text) => ({ kind: 'them', text }))];
    const shown = async () => (await rows(page)).map(({ kind, text }) => ({ kind, text }));
    await expect.poll(shown, { timeout: 30_000, interval: 200 }).toEqual(expected);
    // Give any error handler, load event or autofocus a moment to fire.
    await page.waitForTimeout(750);
    expect(await injected(page)).toEqual({ found: [], xss: null });

    // History renders the same way: reload and read back everything, oldest pages included.
    await page.reload();
    await page.getByRole('button', { name: /Open support chat/ }).click();
    const older = page.getByRole('button', { name: 'Show earlier messages' });
    for (let i = 0; i < 10 && (await rows(page)).length < expected.length; i++) {
      if (await older.isVisible()) await older.click();
      await page.waitForTimeout(150);
    }
    await expect.poll(shown, { timeout: 30_000, interval: 200 }).toEqual(expected);
    await page.waitForTimeout(750);
    expect(await injected(page)).toEqual({ found: [], xss: null });

    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
    // Only the widget and its API were fetched: no <img src=x>, no data: or javascript: loads.
    const unexpected = requests.filter(
      (url) => url !== site.url && !url.startsWith(`${server.url}/widget.js`) && !url.startsWith(`${server.url}/api/support/`) && !url.startsWith(`${server.url}/socket.io/`),
    );
    expect(unexpected).toEqual([]);
    await context.close();
  });
});
