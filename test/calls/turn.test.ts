import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintTurnCredentials, type TurnCredentials } from '../../src/auth/turn-credentials.js';
import { canRun } from '../support/requirements.js';
import { startTurnServer, type TurnServer } from '../support/turn.js';
import { launchBrowser } from '../widget/browser.js';

/**
 * The credentials src/auth/turn-credentials.ts mints, against a real coturn (Debian's, with
 * `use-auth-secret`) on loopback, through Chromium's own TURN client. Every peer connection here
 * is relay-only, so a candidate or a connection can only come from coturn.
 *
 * The page code runs in Chromium, so it reaches WebRTC through globalThis (the test project has
 * no DOM types).
 */
const STEP = 15_000;

interface Gathered {
  state: string;
  candidates: string[];
  errors: { errorCode: number; errorText: string; url: string }[];
}

describe.runIf(canRun('calls'))('TURN credentials against coturn, in Chromium', { timeout: 60_000 }, () => {
  let turn: TurnServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [turn, browser] = await Promise.all([startTurnServer(), launchBrowser()]);
    page = await browser.newPage();
  });
  afterEach(async () => {
    // Releases the allocations: every test starts from none.
    await page?.evaluate(() => {
      const g = globalThis as any;
      for (const pc of g.peers ?? []) pc.close();
      g.peers = [];
    });
  });
  afterAll(async () => {
    await browser?.close();
    await turn?.close();
  });

  /** What coturn logged, for a failure message. */
  const coturnLog = () => `coturn's log:\n${turn.output().split('\n').slice(-40).join('\n')}`;

  /** Waits for `predicate` in the page, failing with what `step` was and the state so far. */
  async function step(what: string, predicate: () => boolean, state: () => unknown) {
    try {
      await page.waitForFunction(predicate, undefined, { timeout: STEP, polling: 50 });
    } catch (error) {
      throw new Error(`${what}: not within ${STEP / 1000} s (${(error as Error).message.split('\n')[0]})\n` +
        `page state: ${JSON.stringify(await page.evaluate(state))}\n${coturnLog()}`);
    }
  }

  /** ICE gathering of one relay-only peer connection (a data channel is enough to start it) with `credentials`. */
  async function gather(credentials: TurnCredentials): Promise<Gathered> {
    await page.evaluate(({ urls, username, credential }) => {
      const g = globalThis as any;
      const pc = new g.RTCPeerConnection({ iceServers: [{ urls, username, credential }], iceTransportPolicy: 'relay' });
      (g.peers ??= []).push(pc);
      const gathered = { state: 'new', candidates: [] as string[], errors: [] as unknown[] };
      g.gathered = gathered;
      pc.onicecandidate = (e: any) => e.candidate && gathered.candidates.push(e.candidate.candidate);
      pc.onicecandidateerror = (e: any) => gathered.errors.push({ errorCode: e.errorCode, errorText: e.errorText, url: e.url });
      pc.onicegatheringstatechange = () => (gathered.state = pc.iceGatheringState);
      pc.createDataChannel('probe');
      void pc.createOffer().then((offer: unknown) => pc.setLocalDescription(offer));
    }, { urls: turn.urls, username: credentials.username, credential: credentials.credential });
    const state = () => (globalThis as any).gathered;
    await step('ICE gathering completes', () => (globalThis as any).gathered.state === 'complete', state);
    return page.evaluate(state);
  }

  /** coturn refused `credentials` itself: it says so for each listener the browser tried. */
  async function expectRefused(credentials: TurnCredentials) {
    const { candidates, errors } = await gather(credentials);
    expect(candidates.filter((c) => c.includes('typ relay')), coturnLog()).toEqual([]);
    // Chromium reports the Allocate that failed even with credentials (the first, bare one
    // always gets 401: that challenge brings the realm and nonce); coturn answers 401 to both.
    expect(errors, coturnLog()).toEqual(expect.arrayContaining(turn.urls.map((url) => expect.objectContaining({ errorCode: 401, url }))));
    expect(errors.map((e) => e.errorCode)).toEqual(errors.map(() => 401));
    await expect
      .poll(() => turn.output(), { timeout: STEP })
      .toContain(`user <${credentials.username}>: incoming packet message processed, error 401: Unauthorized`);
    expect(turn.output()).toContain(`check_stun_auth: Cannot find credentials of user <${credentials.username}>`);
    expect(turn.output()).not.toMatch(new RegExp(`username=<${credentials.username}>, lifetime=`));
  }

  it('allocates a relay for a fresh credential, over UDP and over TCP', async () => {
    const credentials = mintTurnCredentials(turn.secret, 'test', 600);
    const { candidates, errors } = await gather(credentials);
    const relays = candidates.filter((c) => c.includes('typ relay'));
    expect(relays.length, `${JSON.stringify(candidates)}\n${coturnLog()}`).toBeGreaterThanOrEqual(1);
    // Relayed on coturn's loopback relay address, from its own port range.
    for (const relay of relays) expect(relay).toMatch(/ udp \d+ 127\.0\.0\.1 \d+ typ relay /);
    expect(errors, coturnLog()).toEqual([]);
    await expect.poll(() => turn.output(), { timeout: STEP }).toContain(`user <${credentials.username}>: incoming packet ALLOCATE processed, success`);
  });

  it('refuses a credential past its expiry, minted under the right secret', async () => {
    const expired = mintTurnCredentials(turn.secret, 'test-expired', -60);
    expect(expired.expiresAt).toBeLessThan(Date.now() / 1000);
    await expectRefused(expired);
  });

  it('refuses a credential minted under another secret', async () => {
    await expectRefused(mintTurnCredentials(`${turn.secret}-not`, 'test-wrong-secret', 600));
  });

  it('connects two relay-only peers through coturn and carries data-channel messages both ways', async () => {
    const credentials = mintTurnCredentials(turn.secret, 'test-call', 600);
    await page.evaluate(({ urls, username, credential }) => {
      const g = globalThis as any;
      const config = { iceServers: [{ urls, username, credential }], iceTransportPolicy: 'relay' };
      const a = new g.RTCPeerConnection(config);
      const b = new g.RTCPeerConnection(config);
      (g.peers ??= []).push(a, b);
      const call = { a, b, received: { a: [] as string[], b: [] as string[] }, candidates: { a: [] as string[], b: [] as string[] }, errors: [] as unknown[] };
      g.call = call;
      // Trickle ICE within the page: each side's candidates go straight to the other.
      for (const [side, self, other] of [['a', a, b], ['b', b, a]] as const) {
        self.onicecandidate = (e: any) => {
          if (!e.candidate) return;
          call.candidates[side].push(e.candidate.candidate);
          void other.addIceCandidate(e.candidate);
        };
      }
      a.onicecandidateerror = b.onicecandidateerror = (e: any) => call.errors.push({ errorCode: e.errorCode, url: e.url });
      const channel = a.createDataChannel('chat');
      channel.onmessage = (m: any) => call.received.a.push(m.data);
      channel.onopen = () => channel.send('hello through coturn');
      b.ondatachannel = (e: any) => {
        e.channel.onmessage = (m: any) => {
          call.received.b.push(m.data);
          e.channel.send(`got: ${m.data}`);
        };
      };
      void (async () => {
        await a.setLocalDescription(await a.createOffer());
        await b.setRemoteDescription(a.localDescription);
        await b.setLocalDescription(await b.createAnswer());
        await a.setRemoteDescription(b.localDescription);
      })();
    }, { urls: turn.urls, username: credentials.username, credential: credentials.credential });

    const state = () => {
      const call = (globalThis as any).call;
      return { a: call.a.connectionState, b: call.b.connectionState, received: call.received, candidates: call.candidates, errors: call.errors };
    };
    await step('both peers connected', () => {
      const call = (globalThis as any).call;
      return call.a.connectionState === 'connected' && call.b.connectionState === 'connected';
    }, state);
    await step('a message each way over the data channel', () => (globalThis as any).call.received.a.length > 0, state);
    expect((await page.evaluate(state)).received).toEqual({ a: ['got: hello through coturn'], b: ['hello through coturn'] });

    // The pair that carries it is relay to relay: both ends are coturn's relay addresses.
    const selected = await page.evaluate(async () => {
      const stats = await (globalThis as any).call.a.getStats();
      const all = [...stats.values()];
      const transport = all.find((s: any) => s.type === 'transport');
      const pair = stats.get(transport.selectedCandidatePairId);
      const end = (id: string) => {
        const { candidateType, address, port } = stats.get(id);
        return { candidateType, address, port };
      };
      return { local: end(pair.localCandidateId), remote: end(pair.remoteCandidateId), bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived };
    });
    expect(selected.local).toMatchObject({ candidateType: 'relay', address: '127.0.0.1' });
    expect(selected.remote).toMatchObject({ candidateType: 'relay', address: '127.0.0.1' });
    expect(selected.bytesSent).toBeGreaterThan(0);
    expect(selected.bytesReceived).toBeGreaterThan(0);
    // coturn let each peer's relay send to the other's (127.0.0.1: --allow-loopback-peers).
    await expect
      .poll(() => turn.output(), { timeout: STEP })
      .toContain(`user <${credentials.username}>: incoming packet CREATE_PERMISSION processed, success`);
    expect(turn.output()).not.toContain('403: Forbidden IP');
  });
});
