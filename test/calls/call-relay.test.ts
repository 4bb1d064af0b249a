import { describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startTurnServer, type TurnServer } from '../support/turn.js';
import { callBar, callStatus, expectMediaFlowing, guestPage, mediaBrowser, mediaOf, poll, requestAndAnswer, signedInConsole } from './call-pages.js';

/**
 * The call through a real coturn on loopback, with `iceTransportPolicy: relay` on both sides: it
 * connects only if the TURN credentials the server minted for each party work.
 */
let turn: TurnServer;
let server: TestServer;

describe.runIf(canRun('calls'))('a call relayed by TURN', { timeout: 120_000 }, () => {
  const context = mediaBrowser(
    async () => {
      turn = await startTurnServer();
      server = await startTestServer({ TURN_URLS: turn.urls.join(','), TURN_SECRET: turn.secret, CALL_ICE_TRANSPORT_POLICY: 'relay' });
    },
    async () => {
      await server?.close();
      await turn?.close();
    },
  );

  it('connects through the relay with the minted credentials on both sides', async () => {
    const agent = await signedInConsole(context, server.url);
    const guest = await guestPage(await context(), server.url);
    await requestAndAnswer(agent.page, guest.page);

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
