import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';
import { launchBrowser } from '../widget/browser.js';
import { PAYLOADS } from '../widget/xss-payloads.js';
import { inboxRows, openConsole, signIn, violations } from './console-page.js';
import { customer } from './seed.js';

const poll = { timeout: 20_000, interval: 150 };

let server: TestServer;
let browser: Browser;
let admin: { id: string; token: string };
const userConversations: string[] = [];
let noted: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await person('admin', { firstName: 'Ada' });
  const agent = trpcClient(server.url, { token: admin.token });
  // Every payload as a customer's name, email and message (JWT claims of a signed-in user)...
  for (const payload of PAYLOADS) {
    const user = await person('user', { firstName: payload, email: payload });
    const c = await customer(server, { token: user.token });
    await c.say(payload);
    userConversations.push(c.conversationId);
  }
  // ...as a guest's subject, as private notes and as saved replies.
  for (const payload of PAYLOADS) await (await customer(server, { subject: payload })).say('hello');
  noted = userConversations[0]!;
  for (const payload of PAYLOADS) {
    await agent.notes.create.mutate({ conversationId: noted, text: payload });
    await agent.savedReplies.create.mutate({ title: payload.slice(0, 100), text: payload });
  }
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Anything markup from the data could have made, anywhere in the console. */
function injected(page: Page) {
  return page.evaluate(() => {
    const doc = (globalThis as any).document;
    const found: string[] = [];
    for (const el of Array.from(doc.querySelectorAll('*') as ArrayLike<any>)) {
      for (const attr of Array.from(el.attributes as ArrayLike<any>)) {
        if (/^on/i.test(attr.name) || /javascript:/i.test(attr.value) || attr.name === 'srcdoc') found.push(`${el.tagName}[${attr.name}]`);
      }
    }
    const suspicious = 'img, iframe, object, embed, video, audio, source, svg, math, marquee, details, x, a, body style, body script, body link, body meta, [contenteditable], [style]';
    for (const el of Array.from(doc.querySelectorAll(suspicious) as ArrayLike<any>)) found.push(el.tagName);
    if (doc.querySelectorAll('script').length !== 1) found.push('scripts');
    return { found, xss: (globalThis as any).__xss ?? null };
  });
}

describe.runIf(canRun('browser'))('XSS: the console shows all user text as text', { timeout: 180_000 }, () => {
  it(`renders ${PAYLOADS.length} payloads as names, emails, messages, subjects, notes and saved replies literally`, async () => {
    const { page, context, problems } = await openConsole(browser, server.url);
    await signIn(page, admin.token);
    const all = PAYLOADS.length * 2;
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(25);
    for (let i = 0; i < 5 && (await inboxRows(page)).length < all; i++) {
      await page.getByRole('button', { name: 'Load more' }).click();
      await expect.poll(async () => (await inboxRows(page)).length > 25 * (i + 1) || (await inboxRows(page)).length === all, poll).toBe(true);
    }
    const rows = await inboxRows(page);
    expect(rows).toHaveLength(all);
    const shown = (await page.locator('.inbox-row .customer').allTextContents()).filter((name) => !name.startsWith('Guest '));
    expect(shown.sort()).toEqual([...PAYLOADS].sort());
    expect((await page.locator('.inbox-row .subject').allTextContents()).sort()).toEqual([...PAYLOADS].sort());

    // Each signed-in customer's conversation: the thread and the panel (name, email).
    for (const [i, id] of userConversations.entries()) {
      await page.locator(`.inbox-row[data-id="${id}"]`).click();
      const panel = page.getByRole('complementary', { name: 'Customer' });
      await expect.poll(() => panel.locator('h2').textContent(), poll).toBe(PAYLOADS[i]);
      expect(await panel.locator('.email').textContent()).toBe(PAYLOADS[i]);
      await expect.poll(() => page.locator('.msg-customer .msg-text').allTextContents(), poll).toEqual([PAYLOADS[i]]);
    }

    // The notes among the messages, the last one as the row's preview.
    await page.locator(`.inbox-row[data-id="${noted}"]`).click();
    await expect.poll(() => page.locator('.msg-note .msg-text').allTextContents(), poll).toEqual(PAYLOADS);
    expect(rows.find((r) => r.id === noted)?.preview).toBe(`📝 ${PAYLOADS.at(-1)}`);

    // Saved replies: the dialog, and the offers under the reply box.
    await page.getByRole('button', { name: 'Saved replies' }).click();
    await expect.poll(() => page.locator('.saved-list .saved-text span').allTextContents(), poll).toEqual(expect.arrayContaining(PAYLOADS));
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('textbox', { name: 'Reply' }).fill('/img');
    await expect.poll(() => page.getByRole('listbox', { name: 'Saved replies' }).getByRole('option').count(), poll).toBeGreaterThan(0);

    await page.waitForTimeout(750);
    expect(await injected(page)).toEqual({ found: [], xss: null });
    expect(await violations(page)).toEqual([]);
    expect(await page.title()).toMatch(/^(\(\d+\) )?Support console$/);
    expect(problems()).toEqual([]);
    await context.close();
  });
});
