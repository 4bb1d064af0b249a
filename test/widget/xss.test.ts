import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { agentIn, customerSite, guestConversation, launchBrowser, rows, watch } from './browser.js';

/**
 * Each payload tries to run script (setting window.__xss or opening a dialog) if the widget
 * ever parsed message text as markup. The customer site has no CSP, so nothing but the
 * widget's own rendering stands in the way.
 */
const PAYLOADS = [
  `<img src=x onerror="window.__xss='img'">`,
  `<img src=x onerror=alert('img-alert')>`,
  `<svg onload="window.__xss='svg'">`,
  `<svg/onload=confirm('svg-confirm')>`,
  `<svg><script>window.__xss='svg-script'</script></svg>`,
  `<script>window.__xss='script'</script>`,
  `<script src="data:text/javascript,window.__xss='script-src'"></script>`,
  `<a href="javascript:window.__xss='a-href'">click me</a>`,
  `javascript:window.__xss='bare-url'`,
  `[click](javascript:window.__xss='markdown')`,
  `<iframe src="javascript:parent.__xss='iframe-js'"></iframe>`,
  `<iframe srcdoc="<script>parent.__xss='srcdoc'</script>"></iframe>`,
  `<body onload="window.__xss='body'">`,
  `<body onpageshow=prompt('body-prompt')>`,
  `<details open ontoggle="window.__xss='details'">`,
  `<video><source onerror="window.__xss='video'"></video>`,
  `<audio src=x onerror="window.__xss='audio'">`,
  `<input autofocus onfocus="window.__xss='input'">`,
  `<marquee onstart="window.__xss='marquee'">x</marquee>`,
  `<object data="javascript:window.__xss='object'"></object>`,
  `<embed src="javascript:window.__xss='embed'">`,
  `<math><mtext><table><mglyph><style><img src=x onerror="window.__xss='mxss'">`,
  `"><img src=x onerror="window.__xss='attr-break'">`,
  `'><svg/onload=window.__xss='single-quote-break'>`,
  `</textarea><img src=x onerror="window.__xss='textarea-break'">`,
  `</style><img src=x onerror="window.__xss='style-break'">`,
  `</script><script>window.__xss='script-break'</script>`,
  '${window.__xss="template"}',
  `{{constructor.constructor('window.__xss="angular"')()}}`,
  `<div style="background:url(javascript:window.__xss='css-url')">x</div>`,
  `<form><button formaction="javascript:window.__xss='formaction'">go</button></form>`,
  `<meta http-equiv="refresh" content="0;url=javascript:window.__xss='meta'">`,
  `<style>@import 'data:text/css,*{}';</style><img src=x onerror="window.__xss='style-import'">`,
  `<svg><animate onbegin="window.__xss='animate'" attributeName=x dur=1s>`,
  `<scr<script>ipt>window.__xss='nested'</scr</script>ipt>`,
  `&lt;img src=x onerror=window.__xss='entities'&gt;`,
  `\\u003cimg src=x onerror=window.__xss='escaped'\\u003e`,
  `<ｉｍｇ src=x onerror="window.__xss='fullwidth'">`,
  `<x contenteditable onfocus="window.__xss='custom'" autofocus>focus me</x>`,
  `<a href="data:text/html,<script>alert('data-url')</script>">data link</a>`,
];

let server: TestServer;
let browser: Browser;
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
    const suspicious =
      'img, script, iframe, object, embed, video, audio, source, details, marquee, math, a, meta, link, input, x, style, ' +
      'svg:not([aria-hidden="true"]), form button:not(.send), div[style]';
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
