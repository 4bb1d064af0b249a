import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { canRun, REDIS_URL, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase } from '../support/server.js';
import { launchBrowser } from '../widget/browser.js';
import { callBar, callStatus, expectMediaFlowing, guestPage, poll, requestCall, signedInConsole } from './call-pages.js';

/**
 * Two real server processes sharing PostgreSQL and Redis: the guest's widget talks to A, the
 * agent's console to B. Ringing and the guest's signals cross from B to A through the Redis
 * adapter's rooms; the guest's answers reach B's SSE stream through the shared feed.
 */
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: ServerProcess;
let b: ServerProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

describe.runIf(canRun('calls') && canRun('replicas'))('a call across two replicas', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    scratch = await createScratchDatabase(SHARED_PG_URL);
    const env = { DATABASE_URL: scratch.url, REDIS_URL };
    [a, b, browser] = await Promise.all([startServerProcess(env), startServerProcess(env), launchBrowser({ media: true })]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.kill(), b?.kill()]);
    await scratch?.drop();
  });
  const context = async () => {
    const created = await browser.newContext({ viewport: { width: 1200, height: 720 } });
    contexts.push(created);
    return created;
  };

  it('connects a guest on replica A and an agent on replica B', async () => {
    const agent = await signedInConsole(context, b.url);
    const guest = await guestPage(await context(), a.url);
    await requestCall(guest.page);
    await agent.page.getByRole('button', { name: 'Call requests' }).click();
    await expect.poll(() => agent.page.locator('.inbox-row').count(), poll).toBe(1);
    await agent.page.locator('.inbox-row').first().click();
    await agent.page.getByRole('group', { name: 'Call request' }).getByRole('button', { name: 'Call now' }).click();
    await guest.page.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(agent.page, guest.page);
    await expect.poll(() => callStatus(guest.page), poll).toBe('Connected');

    await callBar(agent.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Call ended');
  });
});
