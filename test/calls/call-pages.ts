import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { recordViolations, signIn } from '../console/console-page.js';
import { person } from '../support/server.js';
import { launchBrowser, watch } from '../widget/browser.js';

export const poll = { timeout: 20_000, interval: 100 };

/**
 * Before any script of the page: every RTCPeerConnection it makes is kept in `__pcs`, so a test
 * can read `connectionState` and `getStats()` of the real call.
 */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const g = globalThis as any;
    const Native = g.RTCPeerConnection;
    g.__pcs = [];
    g.RTCPeerConnection = class extends Native {
      constructor(...args: unknown[]) {
        super(...args);
        g.__pcs.push(this);
      }
    };
  });
}

export interface MediaReading {
  state: string;
  /** Audio packets that arrived from the other side. */
  packetsReceived: number;
  /** The other side's audio level now (0 when they are muted). */
  audioLevel: number;
  /** The candidate type this side's selected pair uses (host, srflx, relay). */
  localCandidateType: string | null;
}

/** The page's newest live peer connection, as getStats sees it. */
export function mediaOf(page: Page): Promise<MediaReading | null> {
  return page.evaluate(async () => {
    const pcs = ((globalThis as any).__pcs as any[]).filter((pc) => pc.connectionState !== 'closed');
    const pc = pcs.at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    const reading = { state: pc.connectionState as string, packetsReceived: 0, audioLevel: 0, localCandidateType: null as string | null };
    let pairLocal: string | undefined;
    stats.forEach((r: any) => {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        reading.packetsReceived = r.packetsReceived ?? 0;
        reading.audioLevel = r.audioLevel ?? 0;
      }
      if (r.type === 'transport' && r.selectedCandidatePairId) pairLocal = stats.get(r.selectedCandidatePairId)?.localCandidateId;
    });
    if (pairLocal) reading.localCandidateType = stats.get(pairLocal)?.candidateType ?? null;
    return reading;
  });
}

/** Waits until both pages' calls are connected and audio arrives on each side. */
export async function expectMediaFlowing(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expect.poll(async () => (await mediaOf(page))?.state, poll).toBe('connected');
    const before = (await mediaOf(page))!.packetsReceived;
    await expect.poll(async () => (await mediaOf(page))!.packetsReceived, poll).toBeGreaterThan(before + 20);
  }
}

/** A guest on the demo page with the real widget, recording its peer connections. */
export async function guestPage(context: BrowserContext, url: string): Promise<{ page: Page; problems: () => string[] }> {
  await recordPeerConnections(context);
  const page = await context.newPage();
  const watched = watch(page);
  await page.goto(`${url}/`);
  return { page, problems: () => [...watched.dialogs, ...watched.errors] };
}

/** Opens the console in a fresh context of `browser` with peer connections recorded, signed in. */
export async function signedInConsole(newContext: () => Promise<BrowserContext>, url: string, claims: Record<string, unknown> = { firstName: 'Ada' }) {
  const context = await newContext();
  await recordPeerConnections(context);
  const page = await context.newPage();
  await recordViolations(page);
  const watched = watch(page);
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${url}/agent`);
  const admin = await person('admin', claims);
  await signIn(page, admin.token);
  await expect.poll(() => page.getByRole('listbox', { name: 'Conversations' }).count(), poll).toBe(1);
  return { page, admin, problems: () => [...watched.dialogs, ...watched.errors, ...errors] };
}

export async function openWidget(page: Page): Promise<void> {
  const launcher = page.getByRole('button', { name: /Open support chat/ });
  if (await launcher.isVisible()) await launcher.click();
}

/** The guest asks for a call as soon as possible. */
export async function requestCall(page: Page): Promise<void> {
  await openWidget(page);
  await page.getByRole('button', { name: 'Request a call' }).click();
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect.poll(() => page.locator('.call-request').first().textContent(), poll).toContain('Call requested');
}

export const callBar = (page: Page) => page.getByRole('region', { name: 'Call' });
export const callStatus = (page: Page) => callBar(page).locator('.call-status').textContent();

/**
 * The guest asks for a call; the agent finds it under "Call requests", opens it and calls now;
 * the guest accepts. Resolves once both pages say the call is connected.
 */
export async function requestAndAnswer(agent: Page, guest: Page): Promise<void> {
  await requestCall(guest);
  await agent.getByRole('button', { name: 'Call requests' }).click();
  await expect.poll(() => agent.locator('.inbox-row').count(), poll).toBe(1);
  await agent.locator('.inbox-row').first().click();
  await agent.getByRole('group', { name: 'Call request' }).getByRole('button', { name: 'Call now' }).click();
  const incoming = guest.getByRole('alertdialog', { name: 'Incoming call' });
  await expect.poll(() => incoming.textContent(), poll).toContain('Ada is calling');
  await incoming.getByRole('button', { name: 'Accept' }).click();
  await expect.poll(() => callStatus(agent), poll).toBe('Connected');
  await expect.poll(() => callStatus(guest), poll).toBe('Connected');
}

/**
 * Chromium with fake devices for a file whose servers `start` makes (a TURN-backed server, two
 * replicas): started once, the contexts a test opens closed after it, `stop` at the end.
 */
export function mediaBrowser(start: () => Promise<void>, stop: () => Promise<void>) {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    [browser] = await Promise.all([launchBrowser({ media: true }), start()]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await stop();
  });
  return async (): Promise<BrowserContext> => {
    const created = await browser.newContext({ viewport: { width: 1200, height: 720 } });
    contexts.push(created);
    return created;
  };
}
