import type { Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MICROPHONE_REFUSED } from '../../client/src/call.js';
import { canRun } from '../support/requirements.js';
import { person, request, type TestServer } from '../support/server.js';
import { startTurnServer, type TurnServer } from '../support/turn.js';
import { browserTestBed, collect, contrastFailures, focused, guestConversation, texts, watch } from '../widget/browser.js';

/**
 * The customer's side of calls in the widget, in Chromium against a real server: asking to be
 * called (now, at a time), taking the request back, an agent's ring (declined, or accepted with
 * the microphone refused), a whole call whose media flows through coturn under the demo page's
 * CSP, and names and notes shown only as text. The agent is a socket.io-client socket (and, for
 * the whole call, a bare RTCPeerConnection in a second page).
 *
 * Page code runs in Chromium, so it reaches the DOM through globalThis (the test project has no
 * DOM types).
 */
const poll = { timeout: 20_000, interval: 100 };
const ZONE = 'Europe/Paris';
/** A ring stays unanswered for the whole test unless the test ends it. */
const env: Record<string, string> = { CALL_RING_SECONDS: '300' };
let turn: TurnServer | undefined;
// Before the bed's own beforeAll (hooks run in order): the server starts with this coturn.
beforeAll(async () => {
  turn = await startTurnServer();
  Object.assign(env, { TURN_URLS: turn.urls.join(','), TURN_SECRET: turn.secret, CALL_ICE_TRANSPORT_POLICY: 'relay' });
});
afterAll(() => turn?.close());
const bed = browserTestBed(env, { media: true });

let server: TestServer;
let admin: { id: string; token: string };
beforeAll(async () => {
  server = bed.server;
  admin = await person('admin', { firstName: 'Ada' });
});

/** A phone-sized visitor in Paris on the demo page; `init` runs in the page before the widget. */
async function visitor(init?: () => void) {
  const context = await bed.context({ viewport: { width: 390, height: 844 }, locale: 'en-GB', timezoneId: ZONE });
  const page = await context.newPage();
  const watched = watch(page);
  await page.addInitScript(() => {
    const g = globalThis as any;
    g.cspViolations = [];
    g.addEventListener('securitypolicyviolation', (e: any) => g.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`), true);
  });
  if (init) await page.addInitScript(init);
  await page.goto(`${server.url}/`);
  return { page, watched };
}

/** Opens the chat and says something, so the guest has a conversation and the socket is up. */
async function chatting(page: Page, text = 'Hello') {
  await page.getByRole('button', { name: 'Open support chat' }).click();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(() => texts(page, 'me'), poll).toEqual([text]);
}

const adminGet = async (path: string) => (await request(server, `/api/support${path}`, { token: admin.token })).body.data;
const callsOf = async (conversationId: string) => (await adminGet(`/conversation/${conversationId}/calls`)).calls as any[];
const systemLines = async (conversationId: string) =>
  ((await adminGet(`/conversation/${conversationId}/messages?limit=100`)).messages as any[]).filter((m) => m.messageType === 'system').map((m) => m.message as string);
const liveCalls = async (guestId: string) => (await request(server, '/api/support/calls/active', { guestId })).body.data.calls as any[];

/** What the widget's shadow root holds that no text should ever become (its one <img>, the lightbox's, has no src). */
const elementsMadeOfText = (page: Page) =>
  page.evaluate(() => (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.querySelectorAll('img[src], script, iframe, [onerror]').length as number);

/** Every box of the widget's call part inside the viewport's width. */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const g = globalThis as any;
    const root = g.document.querySelector('support-chat-widget').shadowRoot;
    return Array.from(root.querySelectorAll('.calls *, .head *') as ArrayLike<any>)
      .filter((el) => el.getClientRects().length && (el.getBoundingClientRect().right > g.innerWidth + 0.5 || el.getBoundingClientRect().left < -0.5))
      .map((el) => el.className || el.tagName);
  });

const peer = () => Math.random().toString(36).slice(2).padEnd(12, '0');

async function ring(socket: Socket, conversationId: string) {
  const peerId = peer();
  const rung = await socket.emitWithAck('call:ring', { conversationId, peerId });
  if (!rung.success) throw new Error(rung.message);
  return { peerId, call: rung.data.call, connection: rung.data.connection };
}

const incoming = (page: Page) => page.getByRole('alertdialog', { name: 'Incoming call' });
const callRegion = (page: Page) => page.getByRole('region', { name: 'Call' });

describe.runIf(canRun('calls'))('calls in the widget, in Chromium', { timeout: 90_000 }, () => {
  it('requests a call as soon as possible, shows it and its conversation, and takes it back', async () => {
    const { page, watched } = await visitor();
    await chatting(page, 'I would rather talk');
    const { guestId } = await guestConversation(server, page);

    await page.getByRole('button', { name: 'Request a call' }).click();
    expect(await page.getByRole('radio', { name: 'As soon as possible' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'At a time' }).isChecked()).toBe(false);
    expect(await page.getByLabel('Preferred time').isVisible()).toBe(false);
    expect(await contrastFailures(page)).toEqual([]);
    expect(await overflowing(page)).toEqual([]);
    await page.getByLabel('Phone (optional)').fill('+33 6 12 34 56 78');
    await page.getByLabel('What is it about? (optional)').fill('My last invoice');
    await page.getByRole('button', { name: 'Send request' }).click();

    const banner = page.getByRole('status').filter({ hasText: 'Call requested' });
    await expect.poll(() => banner.textContent(), poll).toContain('Call requested: as soon as possible');
    expect(await banner.getAttribute('class')).toContain('call-request');
    expect(await banner.textContent()).toContain('We’ll call +33 6 12 34 56 78.');
    expect(await banner.textContent()).toContain('About: My last invoice');
    // One request at a time: no second one offered while it waits.
    expect(await page.getByRole('button', { name: 'Request a call' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Send request' }).count()).toBe(0);
    expect(await focused(page)).toMatchObject({ tag: 'TEXTAREA' });
    expect(await contrastFailures(page)).toEqual([]);

    const [live] = await liveCalls(guestId);
    expect(live).toMatchObject({ status: 'requested', preferredAt: null, timeZone: ZONE, phone: '+33 6 12 34 56 78', note: 'My last invoice' });
    const [recorded] = await callsOf(live.conversationId);
    expect(recorded).toMatchObject({ id: live.id, status: 'requested', timeZone: ZONE, preferredAt: null });
    // The widget now shows the call_request conversation: its history line, and the visitor can write there.
    await expect.poll(() => texts(page, 'system'), poll).toContain('Call requested: as soon as possible');
    expect((await adminGet(`/conversation/${live.conversationId}`)).type).toBe('call_request');
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('Any time after 3 pm');
    await box.press('Enter');
    await expect
      .poll(async () => ((await adminGet(`/conversation/${live.conversationId}/messages?limit=100`)).messages as any[]).map((m) => m.message), poll)
      .toContain('Any time after 3 pm');

    await banner.getByRole('button', { name: 'Cancel request' }).click();
    await expect.poll(() => page.locator('.call-request').isVisible(), poll).toBe(false);
    await expect.poll(() => texts(page, 'system'), poll).toContain('Call request cancelled');
    expect((await callsOf(live.conversationId))[0].status).toBe('cancelled');
    expect(await liveCalls(guestId)).toEqual([]);
    expect(await page.getByRole('button', { name: 'Request a call' }).isVisible()).toBe(true);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('requests a call at a time: the server’s refusal in the form, then the time in the visitor’s zone', async () => {
    const { page, watched } = await visitor();
    await chatting(page);
    const { guestId } = await guestConversation(server, page);
    await page.getByRole('button', { name: 'Request a call' }).click();
    await page.getByRole('radio', { name: 'At a time' }).check();
    const time = page.getByLabel('Preferred time');
    expect(await time.isVisible()).toBe(true);
    expect(await time.getAttribute('type')).toBe('datetime-local');

    // Yesterday: the server says why, in the form, and nothing is asked.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toLocaleDateString('en-CA', { timeZone: ZONE });
    await time.fill(`${day(-1)}T09:00`);
    await page.getByRole('button', { name: 'Send request' }).click();
    const refusal = page.locator('.call-form [role=alert]');
    await expect.poll(() => refusal.textContent(), poll).toBe('Preferred time: Must be in the future and within 60 days');
    expect(await time.getAttribute('aria-invalid')).toBe('true');
    expect(await liveCalls(guestId)).toEqual([]);

    await time.fill(`${day(2)}T14:30`);
    await page.getByRole('button', { name: 'Send request' }).click();
    const banner = page.getByRole('status').filter({ hasText: 'Call requested' });
    await expect.poll(() => banner.isVisible(), poll).toBe(true);

    const [live] = await liveCalls(guestId);
    // 14:30 in Paris, whatever the zone this test runs in.
    const at = new Date(live.preferredAt);
    expect(at.toLocaleString('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', year: 'numeric', month: '2-digit', day: '2-digit' })).toBe(
      `${day(2).split('-').reverse().join('/')}, 14:30`,
    );
    const [recorded] = await callsOf(live.conversationId);
    expect(recorded).toMatchObject({ status: 'requested', timeZone: ZONE, preferredAt: live.preferredAt });
    const shown = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(at);
    expect(await banner.locator('.cr-what').textContent()).toBe(`Call requested for ${shown}`);
    // The history says the same, in the zone the widget sent.
    await expect.poll(() => texts(page, 'system'), poll).toContain(`Call requested for ${shown}`);

    // An agent sets another time: the banner follows, live.
    const scheduledAt = new Date(at.getTime() + 3_600_000).toISOString();
    expect((await request(server, `/api/support/admin/calls/${live.id}/schedule`, { token: admin.token, body: { scheduledAt } })).status).toBe(200);
    const later = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(scheduledAt));
    await expect.poll(() => page.locator('.call-request .cr-what').textContent(), poll).toBe(`Call scheduled for ${later}`);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('an agent’s ring opens the panel and rings; Decline records it once', async () => {
    // Counts the ring's tones as the widget makes them.
    const { page, watched } = await visitor(() => {
      const g = globalThis as any;
      g.__tones = 0;
      const create = g.AudioContext.prototype.createOscillator;
      g.AudioContext.prototype.createOscillator = function (this: unknown, ...args: unknown[]) {
        g.__tones++;
        return create.apply(this, args);
      };
    });
    const tones = () => page.evaluate(() => (globalThis as any).__tones as number);
    await chatting(page);
    await page.keyboard.press('Escape');
    const { conversationId } = await guestConversation(server, page);
    const agent = (await server.connect({ token: admin.token })).socket;
    const { call } = await ring(agent, conversationId);

    await expect.poll(() => incoming(page).isVisible(), poll).toBe(true);
    expect(await page.getByRole('dialog', { name: 'Support' }).isVisible()).toBe(true);
    expect(await incoming(page).textContent()).toContain('Ada is calling');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON' });
    expect(await page.evaluate(() => (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.activeElement.textContent)).toBe('Accept');
    expect(await contrastFailures(page)).toEqual([]);
    expect(await overflowing(page)).toEqual([]);

    // It rings (two tones, again every 3 s) until the visitor answers or declines.
    await expect.poll(tones, poll).toBeGreaterThanOrEqual(2);

    await incoming(page).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => page.locator('.call-status').textContent(), poll).toBe('Call ended');
    expect(await callRegion(page).locator('.call-summary').textContent()).toBe('Declined');
    const rung = await tones();
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    expect(await tones()).toBe(rung);
    expect(await incoming(page).count()).toBe(0);
    expect((await callsOf(conversationId)).map((c) => [c.id, c.status])).toEqual([[call.id, 'declined']]);
    await expect.poll(() => texts(page, 'system'), poll).toContain('Call from Ada declined');
    expect((await systemLines(conversationId)).filter((line) => line.includes('declined'))).toEqual(['Call from Ada declined']);
    expect(await contrastFailures(page)).toEqual([]);

    await callRegion(page).getByRole('button', { name: 'Close' }).click();
    expect(await callRegion(page).count()).toBe(0);
    expect(await focused(page)).toMatchObject({ tag: 'TEXTAREA' });
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('Accept with the microphone refused says so and leaves the call ringing', async () => {
    const { page, watched } = await visitor(() => {
      const devices = (globalThis as any).navigator.mediaDevices;
      devices.getUserMedia = () => Promise.reject(new (globalThis as any).DOMException('Permission denied', 'NotAllowedError'));
    });
    await chatting(page);
    const { conversationId } = await guestConversation(server, page);
    const agent = (await server.connect({ token: admin.token })).socket;
    const { call } = await ring(agent, conversationId);

    await expect.poll(() => incoming(page).isVisible(), poll).toBe(true);
    await incoming(page).getByRole('button', { name: 'Accept' }).click();
    const error = incoming(page).locator('.call-error');
    await expect.poll(() => error.textContent(), poll).toBe(MICROPHONE_REFUSED);
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await incoming(page).isVisible()).toBe(true);
    expect((await callsOf(conversationId))[0]).toMatchObject({ id: call.id, status: 'ringing', answeredAt: null });
    expect(await contrastFailures(page)).toEqual([]);

    // The agent gives up: the visitor sees a missed call.
    expect((await agent.emitWithAck('call:hangup', { callId: call.id })).success).toBe(true);
    await expect.poll(() => callRegion(page).locator('.call-summary').textContent(), poll).toBe('Missed call');

    // A new request, summary still shown: the request takes its place.
    await page.getByRole('button', { name: 'Request a call' }).click();
    await page.getByRole('button', { name: 'Send request' }).click();
    await expect.poll(() => page.locator('.call-request .cr-what').textContent(), poll).toBe('Call requested: as soon as possible');
    expect(await callRegion(page).count()).toBe(0);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('shows an agent’s name and a request’s note only as text', async () => {
    const payload = '<img src=x onerror=alert(1)>';
    const mallory = await person('admin', { firstName: payload });
    const { page, watched } = await visitor();
    await chatting(page);
    const { guestId } = await guestConversation(server, page);

    await page.getByRole('button', { name: 'Request a call' }).click();
    await page.getByLabel('What is it about? (optional)').fill(`${payload}<script>alert(2)</script>`);
    await page.getByRole('button', { name: 'Send request' }).click();
    const banner = page.locator('.call-request');
    await expect.poll(() => banner.textContent(), poll).toContain(`About: ${payload}<script>alert(2)</script>`);
    const [live] = await liveCalls(guestId);

    // The agent takes the request up by ringing its conversation.
    const agent = (await server.connect({ token: mallory.token })).socket;
    const { call } = await ring(agent, live.conversationId);
    expect(call).toMatchObject({ id: live.id, agentName: payload });
    await expect.poll(() => incoming(page).isVisible(), poll).toBe(true);
    expect(await incoming(page).locator('p').first().textContent()).toBe(`${payload} is calling`);
    await incoming(page).getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => texts(page, 'system'), poll).toContain(`Call from ${payload} declined`);
    expect(await callRegion(page).locator('.call-who').textContent()).toBe(payload);

    expect(await elementsMadeOfText(page)).toBe(0);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('a whole call: media through coturn plays under the demo page’s CSP; mute, the agent’s state, the end', async () => {
    const { page, watched } = await visitor();
    await chatting(page);
    const { conversationId } = await guestConversation(server, page);
    const agent = (await server.connect({ token: admin.token })).socket;
    const updates = collect<{ call: any }>(agent, 'call:updated');
    const { call, connection, peerId } = await ring(agent, conversationId);
    const them = await agentPeer(agent, call.id, peerId, connection);

    await expect.poll(() => incoming(page).isVisible(), poll).toBe(true);
    await incoming(page).getByRole('button', { name: 'Accept' }).click();
    await expect.poll(() => callRegion(page).isVisible(), poll).toBe(true);
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON' });
    await expect.poll(() => updates.some((u) => u.call.id === call.id && u.call.status === 'in_progress' && u.call.customerPeer), poll).toBe(true);
    await them.offer();

    await expect.poll(() => page.locator('.call-status').textContent(), poll).toBe('Connected');
    // The agent's voice plays from a MediaStream under default-src 'none': srcObject is not a fetch.
    await expect.poll(() => playing(page, 'audio'), poll).toMatchObject({ paused: false, tracks: 1, advancing: true });
    await expect.poll(() => page.getByRole('meter', { name: 'Their audio' }).evaluate((m: any) => m.value > 0), poll).toBe(true);
    expect(await page.getByRole('meter', { name: 'Your microphone' }).getAttribute('max')).toBe('1');
    const t1 = await page.locator('.call-timer').textContent();
    expect(t1).toMatch(/^0:\d\d$/);
    await expect.poll(() => page.locator('.call-timer').textContent(), poll).not.toBe(t1);

    // Mute: the button says so, and the agent hears of it.
    const mute = callRegion(page).getByRole('button', { name: 'Mute' });
    expect(await mute.getAttribute('aria-pressed')).toBe('false');
    await mute.click();
    expect(await mute.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => them.media(), poll).toMatchObject({ kind: 'media', muted: true });
    for (const name of ['Camera', 'Share screen']) expect(await callRegion(page).getByRole('button', { name }).getAttribute('aria-pressed')).toBe('false');

    // The agent mutes and turns the camera on: said in words, and their video plays.
    await them.camera();
    await expect.poll(() => page.locator('.call-remote-state').textContent(), poll).toBe('Ada muted their microphone. Ada turned their camera on.');
    await expect.poll(() => playing(page, 'video.call-video'), poll).toMatchObject({ paused: false, advancing: true, visible: true });
    expect(await contrastFailures(page)).toEqual([]);
    expect(await overflowing(page)).toEqual([]);
    expect(await page.evaluate(() => (globalThis as any).cspViolations)).toEqual([]);

    // A reload: the page finds its call (call:active), rejoins it with a new window, and the agent offers again.
    const firstPeer = updates.findLast((u) => u.call.id === call.id)!.call.customerPeer;
    await page.reload();
    await expect.poll(() => callRegion(page).isVisible(), poll).toBe(true);
    expect(['Reconnecting…', 'Connecting…']).toContain(await page.locator('.call-status').textContent());
    await expect.poll(() => updates.some((u) => u.call.customerPeer && u.call.customerPeer !== firstPeer), poll).toBe(true);
    await them.offer();
    await expect.poll(() => page.locator('.call-status').textContent(), poll).toBe('Connected');
    await expect.poll(() => playing(page, 'audio'), poll).toMatchObject({ paused: false, tracks: 1, advancing: true });
    expect(await callRegion(page).getByRole('button', { name: 'Mute' }).getAttribute('aria-pressed')).toBe('false');
    expect(await page.evaluate(() => (globalThis as any).cspViolations)).toEqual([]);

    // Another tab of the same visitor does not take the call away: it offers to.
    const rejoinedPeer = updates.findLast((u) => u.call.id === call.id)!.call.customerPeer;
    const other = await page.context().newPage();
    await other.goto(`${server.url}/`);
    await other.getByRole('button', { name: 'Open support chat' }).click();
    const elsewhere = other.locator('.call-elsewhere');
    await expect.poll(() => elsewhere.textContent(), poll).toContain('Your call goes on in another window.');
    expect(await elsewhere.getByRole('button', { name: 'Take the call here' }).isVisible()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(updates.findLast((u) => u.call.id === call.id)!.call.customerPeer).toBe(rejoinedPeer);
    expect(await page.locator('.call-status').textContent()).toBe('Connected');
    await other.close();

    expect((await agent.emitWithAck('call:hangup', { callId: call.id })).success).toBe(true);
    await expect.poll(() => page.locator('.call-status').textContent(), poll).toBe('Call ended');
    expect(await page.locator('.call-summary').textContent()).toMatch(/^Duration 0:\d\d$/);
    await expect.poll(() => texts(page, 'system'), poll).toEqual([expect.stringMatching(/^Call with Ada, \d+ s$/)]);
    await callRegion(page).getByRole('button', { name: 'Close' }).click();
    expect(await callRegion(page).count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).cspViolations)).toEqual([]);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
    await them.page.close();
  });
});

/** A media element of the widget: playing, how many tracks its stream has, whether time moves. */
function playing(page: Page, selector: string) {
  return page.evaluate(async (selector) => {
    const el = (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.querySelector(selector);
    const before = el.currentTime;
    await new Promise((resolve) => setTimeout(resolve, 300));
    return {
      paused: el.paused,
      tracks: el.srcObject?.getAudioTracks().filter((t: any) => t.readyState === 'live').length ?? 0,
      advancing: el.currentTime > before,
      visible: el.getClientRects().length > 0 && el.videoWidth > 0,
    };
  }, selector);
}

/**
 * The agent's end of the call: a bare RTCPeerConnection in a page of its own, with Chromium's fake
 * microphone and camera, signalling through the agent's socket. Each offer starts a new peer
 * connection, as the console does for a customer who rejoined.
 */
async function agentPeer(socket: Socket, callId: string, peerId: string, connection: unknown) {
  const context = await bed.context();
  const page = await context.newPage();
  // Any page of the server's origin: 127.0.0.1 is a secure context, where getUserMedia exists.
  await page.goto(`${server.url}/api/support/presence`);
  await page.exposeFunction('sendSignal', async (signal: unknown) => {
    await socket.emitWithAck('call:signal', { callId, peerId, signal });
  });
  socket.on('call:signal', (event: { callId: string; signal: unknown }) => {
    if (event.callId === callId) void page.evaluate((signal) => (globalThis as any).receive(signal), event.signal).catch(() => undefined);
  });
  await page.evaluate(async (connection) => {
    const g = globalThis as any;
    const stream = await g.navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    g.camera = stream.getVideoTracks()[0];
    g.start = () => {
      g.pc?.close();
      const pc = new g.RTCPeerConnection(connection);
      g.pc = pc;
      pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendrecv' });
      g.video = pc.addTransceiver('video', { direction: 'sendrecv' });
      pc.onicecandidate = (e: any) => e.candidate && pc === g.pc && g.sendSignal({ kind: 'candidate', candidate: e.candidate.toJSON() });
    };
    let queue = Promise.resolve();
    g.receive = (signal: any) => {
      queue = queue
        .then(async () => {
          if (signal.kind === 'answer') await g.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
          else if (signal.kind === 'candidate') await g.pc.addIceCandidate(signal.candidate);
          else if (signal.kind === 'media') g.media = signal;
        })
        .catch(() => undefined);
    };
  }, connection);
  return {
    page,
    offer: () =>
      page.evaluate(async () => {
        const g = globalThis as any;
        g.start();
        await g.pc.setLocalDescription(await g.pc.createOffer());
        await g.sendSignal({ kind: 'offer', sdp: g.pc.localDescription.sdp });
      }),
    media: () => page.evaluate(() => (globalThis as any).media ?? null),
    camera: () =>
      page.evaluate(async () => {
        const g = globalThis as any;
        await g.video.sender.replaceTrack(g.camera);
        await g.sendSignal({ kind: 'media', muted: true, camera: true, screen: false });
      }),
  };
}
