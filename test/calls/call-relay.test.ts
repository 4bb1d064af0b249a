import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startTurnServer, type TurnServer } from '../support/turn.js';
import { launchBrowser } from '../widget/browser.js';
import { callBar, callStatus, expectMediaFlowing, guestPage, mediaOf, poll, requestCall, signedInConsole } from './call-pages.js';

/**
 * The call through a real coturn on loopback, with `iceTransportPolicy: relay` on both sides: it
 * connects only if the TURN credentials the server minted for each party work.
 */
let turn: TurnServer;
let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

describe.runIf(canRun('calls'))('a call relayed by TURN', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    turn = await startTurnServer();
    [server, browser] = await Promise.all([
      startTestServer({ TURN_URLS: turn.urls.join(','), TURN_SECRET: turn.secret, CALL_ICE_TRANSPORT_POLICY: 'relay' }),
      launchBrowser({ media: true }),
    ]);
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await turn?.close();
  });
  const context = async () => {
    const created = await browser.newContext({ viewport: { width: 1200, height: 720 } });
    contexts.push(created);
    return created;
  };

  it('connects through the relay with the minted credentials on both sides', async () => {
    const agent = await signedInConsole(context, server.url);
    const guest = await guestPage(await context(), server.url);
    await requestCall(guest.page);
    await agent.page.getByRole('button', { name: 'Call requests' }).click();
    await expect.poll(() => agent.page.locator('.inbox-row').count(), poll).toBe(1);
    await agent.page.locator('.inbox-row').first().click();
    await agent.page.getByRole('group', { name: 'Call request' }).getByRole('button', { name: 'Call now' }).click();
    await guest.page.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' }).click();

    await expectMediaFlowing(agent.page, guest.page);
    // Both sides' selected pair goes through the relay, and coturn allocated it for the minted users.
    expect((await mediaOf(agent.page))!.localCandidateType).toBe('relay');
    expect((await mediaOf(guest.page))!.localCandidateType).toBe('relay');
    expect(turn.output()).toMatch(/:agent/);
    expect(turn.output()).toMatch(/:customer/);
    expect(turn.output()).toMatch(/ALLOCATE processed, success/);

    await callBar(guest.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(agent.page), poll).toBe('Call ended');
  });
});
