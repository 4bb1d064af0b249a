import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { trpcClient } from '../support/trpc-client.js';
import { launchBrowser } from '../widget/browser.js';
import { inboxRows, openConsole, signIn } from './console-page.js';
import { customer } from './seed.js';

const poll = { timeout: 15_000, interval: 100 };

let server: TestServer;
let browser: Browser;
let admin: { id: string; token: string };
const ids: string[] = [];
let needle: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await person('admin', { firstName: 'Ada' });
  const agent = trpcClient(server.url, { token: admin.token });
  // 30 conversations: more than one page of 25. The one with the word said it long ago.
  for (let i = 0; i < 30; i++) {
    const c = await customer(server);
    await c.say(i === 3 ? 'The flux capacitor rattles at speed' : `Question number ${i}`);
    if (i === 3) for (let n = 0; n < 5; n++) await c.say(`Later message ${n}`);
    ids.push(c.conversationId);
  }
  needle = ids[3]!;
  await agent.inbox.setPriority.mutate({ conversationId: ids[5]!, priority: 'urgent' });
  await agent.inbox.setPriority.mutate({ conversationId: ids[6]!, priority: 'urgent' });
  await agent.inbox.assign.mutate({ conversationId: ids[7]! });
  await agent.inbox.setStatus.mutate({ conversationId: ids[8]!, status: 'pending' });
  await agent.inbox.setStatus.mutate({ conversationId: ids[9]!, status: 'closed' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.runIf(canRun('browser'))('finding conversations in the console', { timeout: 90_000 }, () => {
  it('pages by cursor as the list scrolls, each row once; filters and counts agree with the list', async () => {
    const { page, context, problems } = await openConsole(browser, server.url);
    await signIn(page, admin.token);
    const tab = (name: string) => page.getByRole('tab', { name: new RegExp(name) });
    const count = async (selector: string) => Number(await page.locator(`${selector} .count`).textContent());

    // Open, everyone's: 28 (one pending, one closed), 25 on the first page, the rest on scrolling.
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(25);
    await page.locator('.inbox-row').last().scrollIntoViewIfNeeded();
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(28);
    const open = await inboxRows(page);
    expect(new Set(open.map((r) => r.id)).size).toBe(28);
    expect(await count('[role="tab"][data-status="open"]')).toBe(28);
    expect(await count('[role="tab"][data-status="pending"]')).toBe(1);
    expect(await count('[role="tab"][data-status="closed"]')).toBe(1);
    expect(await count('[data-assignee="all"]')).toBe(29);
    expect(await count('[data-assignee="me"]')).toBe(1);
    expect(await count('[data-assignee="none"]')).toBe(28);

    await tab('Pending').click();
    await expect.poll(async () => (await inboxRows(page)).map((r) => r.id), poll).toEqual([ids[8]]);
    await tab('Closed').click();
    await expect.poll(async () => (await inboxRows(page)).map((r) => r.id), poll).toEqual([ids[9]]);
    await tab('Open').click();

    await page.locator('[data-assignee="me"]').click();
    await expect.poll(async () => (await inboxRows(page)).map((r) => [r.id, r.assignee]), poll).toEqual([[ids[7], 'You']]);
    await page.locator('[data-assignee="none"]').click();
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(25);
    await page.locator('[data-assignee="all"]').click();

    await page.getByRole('combobox', { name: 'Priority' }).selectOption('urgent');
    await expect.poll(async () => (await inboxRows(page)).map((r) => r.id).sort(), poll).toEqual([ids[5], ids[6]].sort());
    await page.getByRole('combobox', { name: 'Priority' }).selectOption('');

    // A word from an old message finds its conversation; a word nobody wrote finds none.
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('capacitor');
    await expect.poll(async () => (await inboxRows(page)).map((r) => [r.id, r.preview]), poll).toEqual([[needle, 'Later message 4']]);
    await page.getByRole('searchbox', { name: 'Search messages' }).fill('xylophone');
    await expect.poll(() => page.getByText('No conversations here.').count(), poll).toBe(1);
    expect(problems()).toEqual([]);
    await context.close();
  });
});
