import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { person, startTestServer, type TestServer } from '../support/server.js';
import { launchBrowser } from '../widget/browser.js';
import { inboxRows, openConsole, signIn, violations } from './console-page.js';
import { customer } from './seed.js';

const poll = { timeout: 15_000, interval: 100 };

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.runIf(canRun('browser'))('two agents in two browsers', { timeout: 60_000 }, () => {
  it("sees the other's presence, assignment and close at once, and a customer's new message moves the row up", async () => {
    const first = await customer(server);
    await first.say('First customer here');
    const second = await customer(server);
    await second.say('Second customer here');

    const ann = await openConsole(browser, server.url);
    const bob = await openConsole(browser, server.url);
    await signIn(ann.page, (await person('admin', { firstName: 'Ann' })).token);
    await signIn(bob.page, (await person('admin', { firstName: 'Bob' })).token);
    for (const { page } of [ann, bob]) {
      await expect.poll(async () => (await inboxRows(page)).map((r) => r.id), poll).toEqual([second.conversationId, first.conversationId]);
    }

    // The first customer writes again: their row moves to the top in both, unread 2, once each.
    await first.say('Hello? Anyone?');
    for (const { page } of [ann, bob]) {
      await expect
        .poll(async () => (await inboxRows(page)).map((r) => [r.id, r.unread, r.preview]), poll)
        .toEqual([
          [first.conversationId, 2, 'Hello? Anyone?'],
          [second.conversationId, 1, 'Second customer here'],
        ]);
    }

    // Ann takes it (with the keyboard: j to the row, Enter to open) and assigns it to herself.
    await ann.page.locator('body').press('j');
    await ann.page.keyboard.press('Enter');
    // Bob's open console counts as online in Ann's assignment picker (presence heartbeats).
    await expect.poll(() => ann.page.getByLabel('Assignee').locator('option').allTextContents(), poll).toEqual(expect.arrayContaining(['Bob — ● online']));
    await ann.page.getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(async () => (await inboxRows(bob.page)).find((r) => r.id === first.conversationId)?.assignee, poll).toBe('Ann');
    await expect.poll(async () => (await inboxRows(ann.page)).find((r) => r.id === first.conversationId)?.assignee, poll).toBe('You');
    await expect.poll(() => bob.page.locator('[data-assignee="me"] .count').textContent(), poll).toBe('0');
    await expect.poll(() => ann.page.locator('[data-assignee="me"] .count').textContent(), poll).toBe('1');

    // Ann closes it with "e": it leaves Bob's open list, and the tabs count it as closed.
    await ann.page.locator('body').press('e');
    await expect.poll(async () => (await inboxRows(bob.page)).map((r) => r.id), poll).toEqual([second.conversationId]);
    await expect.poll(() => bob.page.getByRole('tab', { name: /Closed/ }).textContent(), poll).toContain('1');
    await bob.page.getByRole('tab', { name: /Closed/ }).click();
    await expect.poll(async () => (await inboxRows(bob.page)).map((r) => r.id), poll).toEqual([first.conversationId]);

    for (const agent of [ann, bob]) {
      expect(await violations(agent.page)).toEqual([]);
      expect(agent.problems()).toEqual([]);
      await agent.context.close();
    }
  });
});
