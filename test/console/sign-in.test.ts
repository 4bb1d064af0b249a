import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { mintToken, person, request, startTestServer, type TestServer } from '../support/server.js';
import { launchBrowser } from '../widget/browser.js';
import { inboxRows, openConsole, signIn, violations } from './console-page.js';

const poll = { timeout: 15_000, interval: 100 };

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  // Something a refused token must never see.
  const started = await request(server, '/api/support/conversation/guest', { body: { subject: 'Secret order 4411' } });
  const { guestId, conversation } = started.body.data;
  const agent = await server.connect({ guestId });
  await agent.socket.emitWithAck('message:send', { conversationId: conversation.id, message: 'My card number is on the invoice' });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.runIf(canRun('browser'))('the console at /agent: serving and signing in', { timeout: 60_000 }, () => {
  it('is served under a strict CSP: own scripts and styles only, nothing inline, connections to itself', async () => {
    const reply = await fetch(`${server.url}/agent`);
    expect(reply.status).toBe(200);
    const csp = reply.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe');
    const html = await reply.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style|style=/);
    expect(html).toContain('data-environment="development"');
    for (const asset of ['console.js', 'console.css']) expect((await fetch(`${server.url}/agent/${asset}`)).status).toBe(200);
    expect((await fetch(`${server.url}/agent/nope.js`)).status).toBe(404);
  });

  it('tells production to the page in a data attribute, and then no token recipe is shown', async () => {
    const production = await startTestServer({ NODE_ENV: 'production', GUEST_SECRET: 'a-guest-secret-that-is-long-enough-123' });
    try {
      expect(await (await fetch(`${production.url}/agent`)).text()).toContain('data-environment="production"');
      const consolePage = await openConsole(browser, production.url);
      await expect.poll(() => consolePage.page.getByLabel('Agent token').count(), poll).toBe(1);
      expect(await consolePage.page.getByText('npm run token').count()).toBe(0);
      await consolePage.context.close();
    } finally {
      await production.close();
    }
  });

  it('signs an agent in with no console error or CSP violation, and tells a newcomer how to get a token', async () => {
    const { page, context, problems } = await openConsole(browser, server.url);
    await expect.poll(() => page.getByText('npm run token -- --role admin').count(), poll).toBe(1);
    const admin = await person('admin', { firstName: 'Ada' });
    await signIn(page, admin.token);
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(1);
    expect(await page.getByRole('tab', { name: /Open/ }).textContent()).toContain('1');
    expect(await violations(page)).toEqual([]);
    expect(problems()).toEqual([]);
    // Signed in for this tab: a reload keeps the session.
    await page.reload();
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(1);
    await context.close();
  });

  it('takes a token from #token= and removes it from the address', async () => {
    const admin = await person('admin');
    const { page, context, problems } = await openConsole(browser, server.url, { hash: `#token=${admin.token}` });
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(1);
    expect(page.url()).toBe(`${server.url}/agent`);
    expect(problems()).toEqual([]);
    await context.close();
  });

  it('sends an agent whose token expires mid-session back to sign-in, and keeps the draft reply', async () => {
    const { page, context } = await openConsole(browser, server.url);
    const id = (await person('admin')).id;
    // The server allows 30 s of clock skew: a token that "expired" 22 s ago works for 8 s more.
    const expiresAt = Math.floor(Date.now() / 1000) - 22;
    await signIn(page, await mintToken({ role: 'admin', sub: id, expiresIn: expiresAt }));
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(1);
    await page.locator('.inbox-row').first().click();
    const reply = page.getByRole('textbox', { name: 'Reply' });
    await reply.fill('Half of a careful answer');

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, (expiresAt + 31) * 1000 - Date.now())));
    await page.locator('[role="tab"][data-status="pending"]').click();
    await expect.poll(() => page.getByRole('alert').textContent(), poll).toMatch(/session has expired/);
    expect(await page.getByLabel('Agent token').count()).toBe(1);
    expect(await page.content()).not.toContain('Secret order');

    // Signed in again, the conversation still holds what was being written.
    await signIn(page, await mintToken({ role: 'admin', sub: id }));
    await expect.poll(async () => (await inboxRows(page)).length, poll).toBe(1);
    await page.locator('.inbox-row').first().click();
    await expect.poll(() => page.getByRole('textbox', { name: 'Reply' }).inputValue(), poll).toBe('Half of a careful answer');
    await context.close();
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['a user token', async () => (await person('user')).token, /This is not an agent token/],
    ['an expired token', () => mintToken({ role: 'admin', expiresIn: Math.floor(Date.now() / 1000) - 3600 }), /expired/],
    ['a token signed with another key', () => mintToken({ role: 'admin', secret: 'another-secret-that-is-long-enough-for-hs256' }), /not valid/],
    ['garbage', async () => 'not-a-jwt <img src=x onerror=alert(1)>', /not a token/],
  ];
  for (const [what, token, message] of refusals) {
    it(`refuses ${what}: the message is shown and no inbox data reaches the page`, async () => {
      const { page, context, problems, calls } = await openConsole(browser, server.url);
      await signIn(page, await token());
      await expect.poll(() => page.getByRole('alert').textContent(), poll).toMatch(message);
      expect(await page.getByLabel('Agent token').count()).toBe(1);
      expect(await inboxRows(page)).toEqual([]);
      expect(calls.filter((c) => c !== 'inbox.counts')).toEqual([]);
      expect(await page.content()).not.toContain('Secret order');
      expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
      expect(problems().filter((p) => !p.includes('401') && !p.includes('403'))).toEqual([]);
      await context.close();
    });
  }
});
