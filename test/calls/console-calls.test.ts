import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { MICROPHONE_REFUSED } from '../../client/src/index.js';
import { consoleTestBed, inboxRows, violations, type ConsolePage } from '../console/console-page.js';
import { canRun } from '../support/requirements.js';
import { person, request } from '../support/server.js';
import { collect, contrastFailures } from '../widget/browser.js';

/**
 * What only the console does with calls (issue 15), in Chromium against the real server: the
 * inbox's "Call requests", a request's card and what an agent does with it, the call bar, the
 * microphone refused, and customers' text shown as text. The call between two browsers is
 * test/calls/call-e2e.test.ts's.
 */
const poll = { timeout: 15_000, interval: 100 };
const bed = consoleTestBed({}, { media: true });
const XSS = '<img src=x onerror=alert(1)>';
const NEW_YORK = 'America/New_York';

/** Requests a test made: each test starts with none waiting (the file shares one server). */
const made: { callId: string; auth: { guestId?: string; token?: string } }[] = [];
afterEach(async () => {
  for (const { callId, auth } of made.splice(0)) await request(bed.server, `/api/support/calls/${callId}/cancel`, { ...auth, body: {} });
});

/** A customer who asked to be called (over REST, like the widget): their call_request conversation and the call. */
async function requestCall(auth: { guestId?: string; token?: string }, body: Record<string, unknown>) {
  const requested = await request(bed.server, '/api/support/calls/request', { ...auth, body });
  expect(requested.status).toBe(201);
  made.push({ callId: requested.body.data.call.id, auth });
  return { conversationId: requested.body.data.conversation.id as string, callId: requested.body.data.call.id as string };
}

/** A guest (over REST, like the widget) who asked to be called. */
async function guestRequest(body: Record<string, unknown>) {
  const started = await request(bed.server, '/api/support/conversation/guest', { body: {} });
  const guestId = started.body.data.guestId as string;
  const requested = await requestCall({ guestId }, body);
  return { guestId, ...requested };
}

/** The conversation's calls as the server keeps them (newest first). */
async function callsOf(conversationId: string, auth: { guestId?: string; token?: string }) {
  const listed = await request(bed.server, `/api/support/conversation/${conversationId}/calls`, auth);
  expect(listed.status).toBe(200);
  return listed.body.data.calls as { id: string; status: string; endReason: string | null; scheduledAt: string | null; declineMessage: string | null }[];
}

/** A time as Node's Intl writes it in a zone: "15:30". */
const hhmm = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

const region = (page: Page) => page.getByRole('region', { name: 'Call', exact: true });
const requestCard = (page: Page) => page.getByRole('group', { name: 'Call request' });
const thread = (page: Page) => page.getByRole('log', { name: 'Messages' });
const openRow = (agent: ConsolePage, conversationId: string) => agent.page.locator(`.inbox-row[data-id="${conversationId}"]`).click();
const horizontalOverflow = (page: Page) => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);

/** Turns the inbox's "Call requests" filter on; answers the count beside it. */
async function showCallRequests(page: Page) {
  const toggle = page.getByRole('button', { name: 'Call requests', exact: true });
  await toggle.click();
  await expect.poll(() => toggle.getAttribute('aria-pressed'), poll).toBe('true');
  return page.locator('.call-requests-count');
}

describe.runIf(canRun('calls'))('calls in the agents’ console', { timeout: 90_000 }, () => {
  it('a guest’s request appears live under “Call requests” with the count, and its card shows the note and both time zones', async () => {
    const agent = await bed.agent();
    const count = await showCallRequests(agent.page);
    await expect.poll(() => count.textContent(), poll).toBe('0 waiting');
    expect(await inboxRows(agent.page)).toEqual([]);

    const preferredAt = new Date(Date.now() + 2 * 86_400_000);
    preferredAt.setUTCHours(14, 30, 0, 0);
    const later = await guestRequest({ when: 'later', preferredAt: preferredAt.toISOString(), timeZone: NEW_YORK, phone: '+1 212 555 0100', note: 'About my last invoice' });

    // Live, without a reload: the row under the filter, and the count beside it.
    await expect.poll(() => count.textContent(), poll).toBe('1 waiting');
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => r.id), poll).toEqual([later.conversationId]);

    await openRow(agent, later.conversationId);
    const card = requestCard(agent.page);
    await expect.poll(() => card.isVisible(), poll).toBe(true);
    const agentZone = await agent.page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
    const text = await card.textContent();
    expect(text).toContain('About my last invoice');
    expect(text).toContain('+1 212 555 0100');
    expect(text).toContain(`${hhmm(preferredAt, agentZone)} your time · `);
    expect(text).toContain(`${hhmm(preferredAt, NEW_YORK)} for the customer (America/New_York)`);
    for (const name of ['Call now', 'Schedule', 'Called back by phone', 'Decline']) expect(await card.getByRole('button', { name, exact: true }).isEnabled()).toBe(true);
    // The header's button rings too.
    expect(await agent.page.getByRole('button', { name: 'Call the customer' }).isEnabled()).toBe(true);

    // A second guest, as soon as possible: the count follows, and their card says so.
    const asap = await guestRequest({ when: 'now' });
    await expect.poll(() => count.textContent(), poll).toBe('2 waiting');
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => r.id).sort(), poll).toEqual([later.conversationId, asap.conversationId].sort());
    await openRow(agent, asap.conversationId);
    await expect.poll(() => card.textContent(), poll).toContain('Requested for as soon as possible');

    expect(await contrastFailures(agent.page, { host: null, skip: '.sr-only, option, select' })).toEqual([]);
    expect(await violations(agent.page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
  });

  it('“Schedule” sets a time and “Decline” sends the message: the record, the thread and the inbox follow', async () => {
    const agent = await bed.agent();
    const count = await showCallRequests(agent.page);
    const guest = await guestRequest({ when: 'now', timeZone: NEW_YORK, note: 'Please call me' });
    await expect.poll(() => count.textContent(), poll).toBe('1 waiting');
    await openRow(agent, guest.conversationId);
    const card = requestCard(agent.page);
    await expect.poll(() => card.isVisible(), poll).toBe(true);

    // Schedule: the field is focused; Escape leaves it and comes back to the button.
    await card.getByRole('button', { name: 'Schedule', exact: true }).click();
    const callAt = card.getByLabel('Call at');
    await expect.poll(() => callAt.evaluate((el) => el === (globalThis as any).document.activeElement), poll).toBe(true);
    expect(await callAt.getAttribute('type')).toBe('datetime-local');
    await callAt.press('Escape');
    await expect.poll(() => callAt.count(), poll).toBe(0);
    expect(await card.getByRole('button', { name: 'Schedule', exact: true }).evaluate((el) => el === (globalThis as any).document.activeElement)).toBe(true);
    expect(await agent.page.getByRole('region', { name: /^Conversation with/ }).count()).toBe(1); // Escape did not close the conversation

    await card.getByRole('button', { name: 'Schedule', exact: true }).click();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const value = await agent.page.evaluate((ms) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T10:15`;
    }, tomorrow.getTime());
    await card.getByLabel('Call at').fill(value);
    await card.getByRole('button', { name: 'Save time', exact: true }).click();
    await expect.poll(() => card.textContent(), poll).toContain('Scheduled for');
    const [scheduled] = await callsOf(guest.conversationId, { guestId: guest.guestId });
    expect(scheduled).toMatchObject({ id: guest.callId, status: 'scheduled' });
    const at = new Date(scheduled!.scheduledAt!);
    expect(await card.locator('.call-scheduled').textContent()).toContain(`${hhmm(at, NEW_YORK)} for the customer (America/New_York)`);
    await expect.poll(() => thread(agent.page).textContent(), poll).toContain('Call scheduled for');
    // Still waiting: it stays under "Call requests".
    expect(await count.textContent()).toBe('1 waiting');

    // Decline, by keyboard: the message box is focused, Tab reaches "Send decline".
    await card.getByRole('button', { name: 'Decline', exact: true }).click();
    const message = card.getByLabel('Message to the customer');
    await expect.poll(() => message.evaluate((el) => el === (globalThis as any).document.activeElement), poll).toBe(true);
    await agent.page.keyboard.type('We only call on weekdays, sorry.');
    await agent.page.keyboard.press('Tab');
    await agent.page.keyboard.press('Enter');
    await expect.poll(() => card.count(), poll).toBe(0);
    const [declined] = await callsOf(guest.conversationId, { guestId: guest.guestId });
    expect(declined).toMatchObject({ id: guest.callId, status: 'declined', declineMessage: 'We only call on weekdays, sorry.' });
    await expect.poll(() => thread(agent.page).textContent(), poll).toContain('Call request declined: We only call on weekdays, sorry.');
    await expect.poll(() => count.textContent(), poll).toBe('0 waiting');
    await expect.poll(async () => (await inboxRows(agent.page)).length, poll).toBe(0);
    expect(agent.problems()).toEqual([]);
  });

  it('“Called back by phone” completes the request', async () => {
    const agent = await bed.agent({ firstName: 'Grace' });
    const count = await showCallRequests(agent.page);
    const guest = await guestRequest({ when: 'now', phone: '+44 20 7946 0958' });
    await expect.poll(() => count.textContent(), poll).toBe('1 waiting');
    await openRow(agent, guest.conversationId);
    const card = requestCard(agent.page);
    await expect.poll(() => card.isVisible(), poll).toBe(true);
    await card.getByRole('button', { name: 'Called back by phone', exact: true }).click();
    await expect.poll(() => card.count(), poll).toBe(0);
    const [done] = await callsOf(guest.conversationId, { guestId: guest.guestId });
    expect(done).toMatchObject({ id: guest.callId, status: 'completed', endReason: 'phone' });
    await expect.poll(() => thread(agent.page).textContent(), poll).toContain('Called back by phone by Grace');
    await expect.poll(() => count.textContent(), poll).toBe('0 waiting');
    expect(agent.problems()).toEqual([]);
  });

  it('“Call the customer” rings the guest’s socket; the server’s refusal shows; the guest declines and the bar says so until closed', async () => {
    const agent = await bed.agent();
    const started = await request(bed.server, '/api/support/conversation/guest', { body: {} });
    const guestId = started.body.data.guestId as string;
    const conversationId = started.body.data.conversation.id as string;
    const { socket } = await bed.server.connect({ guestId });
    expect((await socket.emitWithAck('conversation:join', { conversationId })).success).toBe(true);
    expect((await socket.emitWithAck('message:send', { conversationId, message: 'Can you call me?', clientMessageId: randomUUID() })).success).toBe(true);
    const heard = collect<{ call: { id: string; status: string } }>(socket, 'call:updated');
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => r.id), poll).toContain(conversationId);
    await openRow(agent, conversationId);
    const callButton = agent.page.getByRole('button', { name: 'Call the customer' });
    await expect.poll(() => callButton.isEnabled(), poll).toBe(true);

    // Another agent's call is ringing there: the server refuses (409), and the console says why.
    const other = await person('admin', { firstName: 'Linus' });
    const theirs = await request(bed.server, `/api/support/admin/conversations/${conversationId}/calls`, { token: other.token, body: { peerId: 'otherwindow1' } });
    expect(theirs.status).toBe(201);
    await callButton.click();
    await expect.poll(() => agent.page.getByRole('alert').filter({ hasText: 'A call is already going in this conversation' }).count(), poll).toBe(1);
    expect(await region(agent.page).count()).toBe(0);
    expect((await request(bed.server, `/api/support/calls/${theirs.body.data.call.id}/hang-up`, { token: other.token, body: {} })).status).toBe(200);
    heard.length = 0;

    // Now it rings: the guest's socket hears it, the bar shows the call, the button waits.
    await callButton.click();
    await expect.poll(() => heard.find((e) => e.call.status === 'ringing')?.call.id, poll).toBeTruthy();
    const callId = heard.find((e) => e.call.status === 'ringing')!.call.id;
    const bar = region(agent.page);
    await expect.poll(() => bar.locator('.call-status').textContent(), poll).toBe('Calling…');
    expect(await bar.locator('.call-customer').textContent()).toBe(`Guest ${guestId.split('_')[2]!.slice(0, 6)}`);
    expect(await callButton.isDisabled()).toBe(true);
    await expect.poll(() => agent.page.getByRole('button', { name: 'Hang up' }).evaluate((el) => el === (globalThis as any).document.activeElement), poll).toBe(true);
    for (const name of ['Mute', 'Camera', 'Share screen']) expect(await bar.getByRole('button', { name, exact: true }).getAttribute('aria-pressed')).toBe('false');
    for (const name of ['Your microphone', 'Their audio']) expect(await bar.getByRole('meter', { name }).count()).toBe(1);
    expect(await bar.locator('audio').count()).toBe(1);
    // "m" mutes (outside a field), and says so.
    await agent.page.locator('body').press('m');
    await expect.poll(() => bar.getByRole('button', { name: 'Mute', exact: true }).getAttribute('aria-pressed'), poll).toBe('true');

    // The bar stays while the agent moves: back to the list on a phone-sized screen, where it still fits.
    await agent.page.setViewportSize({ width: 390, height: 800 });
    await agent.page.getByRole('button', { name: 'Back to the inbox' }).click();
    expect(await bar.isVisible()).toBe(true);
    expect(await horizontalOverflow(agent.page)).toBeLessThanOrEqual(0);
    expect(await contrastFailures(agent.page, { host: null, skip: '.sr-only, option, select' })).toEqual([]);
    await bar.getByRole('button', { name: 'Open conversation' }).click();
    await expect.poll(() => callButton.isVisible(), poll).toBe(true);
    await agent.page.setViewportSize({ width: 1280, height: 720 });

    // The guest declines: the bar says how it ended until the agent closes it.
    expect((await socket.emitWithAck('call:decline', { callId })).success).toBe(true);
    await expect.poll(() => bar.locator('.call-status').textContent(), poll).toBe('Call ended');
    expect(await bar.locator('.call-outcome').textContent()).toBe('Declined by the customer');
    expect(await bar.getByRole('button', { name: 'Hang up' }).count()).toBe(0);
    await expect.poll(() => thread(agent.page).textContent(), poll).toContain('Call from Ada declined');
    expect(await callButton.isEnabled()).toBe(true);
    await bar.getByRole('button', { name: 'Close', exact: true }).click();
    await expect.poll(() => region(agent.page).count(), poll).toBe(0);
    expect((await callsOf(conversationId, { guestId })).map((c) => c.status)).toEqual(['declined', 'cancelled']);
    expect(await violations(agent.page)).toEqual([]);
    // The refused ring's answer is the browser's to log; nothing else went wrong.
    expect(agent.problems().filter((p) => !p.includes('status of 409 (Conflict)'))).toEqual([]);
  });

  it('an answered call: the timer, the customer’s mute, the call kept across a reload, and another tab takes it only when asked', async () => {
    const agent = await bed.agent();
    const started = await request(bed.server, '/api/support/conversation/guest', { body: {} });
    const guestId = started.body.data.guestId as string;
    const conversationId = started.body.data.conversation.id as string;
    const { socket } = await bed.server.connect({ guestId });
    await socket.emitWithAck('conversation:join', { conversationId });
    await socket.emitWithAck('message:send', { conversationId, message: 'Call me please', clientMessageId: randomUUID() });
    const updates = collect<{ call: { id: string; status: string; agentPeer: string | null } }>(socket, 'call:updated');
    const signals = collect<{ callId: string; fromPeer: string; signal: { kind: string } }>(socket, 'call:signal');
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => r.id), poll).toContain(conversationId);
    await openRow(agent, conversationId);
    await agent.page.getByRole('button', { name: 'Call the customer' }).click();
    await expect.poll(() => updates.find((e) => e.call.status === 'ringing')?.call.id, poll).toBeTruthy();
    const callId = updates.find((e) => e.call.status === 'ringing')!.call.id;

    // The guest answers (a socket, no media of its own): the agent's window offers to it.
    const guestPeer = 'guestwindow1';
    expect((await socket.emitWithAck('call:answer', { callId, peerId: guestPeer })).success).toBe(true);
    const alive = setInterval(() => void socket.emitWithAck('call:alive', { callId, peerId: guestPeer }), 2_000);
    try {
      const bar = region(agent.page);
      await expect.poll(() => bar.locator('.call-status').textContent(), poll).toBe('Connecting…');
      await expect.poll(() => signals.filter((s) => s.signal.kind === 'offer').length, poll).toBe(1);
      const firstPeer = signals.find((s) => s.signal.kind === 'offer')!.fromPeer;
      // The timer runs from the answer, every second.
      await expect.poll(() => bar.locator('.call-timer').textContent(), poll).toMatch(/^0:0[1-9]$/);
      const before = await bar.locator('.call-timer').textContent();
      await expect.poll(() => bar.locator('.call-timer').textContent(), poll).not.toBe(before);
      // What the customer says of their media shows.
      await socket.emitWithAck('call:signal', { callId, peerId: guestPeer, signal: { kind: 'media', muted: true, camera: false, screen: false } });
      await expect.poll(() => bar.locator('.call-remote-state').textContent(), poll).toBe('The customer muted their microphone');

      // A reload of the tab in the call rejoins it: a new window id, a new offer, the same timer.
      await agent.page.reload();
      await expect.poll(() => region(agent.page).locator('.call-status').textContent(), poll).toMatch(/^(Reconnecting…|Connecting…)$/);
      const rejoined = () => updates.findLast((e) => e.call.status === 'in_progress')?.call.agentPeer;
      await expect.poll(rejoined, poll).not.toBe(firstPeer);
      const secondPeer = rejoined();
      await expect.poll(() => signals.filter((s) => s.signal.kind === 'offer' && s.fromPeer === secondPeer).length, poll).toBe(1);
      expect(await region(agent.page).locator('.call-timer').textContent()).toMatch(/^0:\d\d$/);

      // Another tab of the same agent does not take the call by itself: it offers to, and when
      // asked takes it; the first tab lets go of it.
      const token = await agent.page.evaluate(() => (globalThis as any).sessionStorage.getItem('supportConsole.token') as string);
      const context = await bed.context({ viewport: { width: 1280, height: 720 } });
      const other = await context.newPage();
      await other.goto(`${bed.server.url}/agent#token=${token}`);
      const otherBar = region(other);
      await expect.poll(() => otherBar.locator('.call-status').textContent(), poll).toBe('Your call goes on in another window');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(rejoined()).toBe(secondPeer);
      await otherBar.getByRole('button', { name: 'Take the call here' }).click();
      await expect.poll(() => otherBar.locator('.call-status').textContent(), poll).toMatch(/^(Reconnecting…|Connecting…)$/);
      await expect.poll(() => region(agent.page).locator('.call-status').textContent(), poll).toBe('Your call goes on in another window');
      const thirdPeer = rejoined();
      expect([firstPeer, secondPeer]).not.toContain(thirdPeer);
      await expect.poll(() => signals.filter((s) => s.signal.kind === 'offer' && s.fromPeer === thirdPeer).length, poll).toBe(1);

      await otherBar.getByRole('button', { name: 'Hang up' }).click();
      await expect.poll(() => otherBar.locator('.call-outcome').textContent(), poll).toMatch(/^Lasted 0:\d\d$/);
      expect((await callsOf(conversationId, { guestId }))[0]).toMatchObject({ id: callId, status: 'completed', endReason: 'hung_up' });
      // The first tab's offer to take the call goes once the call is over.
      await expect.poll(() => region(agent.page).count(), poll).toBe(0);
      expect(agent.problems()).toEqual([]);
    } finally {
      clearInterval(alive);
    }
  });

  it('a refused microphone shows MICROPHONE_REFUSED and starts no call', async () => {
    const agent = await bed.agent();
    await agent.page.addInitScript(() => {
      const devices = (globalThis as any).navigator.mediaDevices;
      devices.getUserMedia = () => Promise.reject(new (globalThis as any).DOMException('Permission denied', 'NotAllowedError'));
    });
    // The token is the tab's: a reload signs in again, now with the refusing browser.
    await agent.page.reload();
    await expect.poll(() => agent.page.getByRole('listbox', { name: 'Conversations' }).count(), poll).toBe(1);
    const guest = await guestRequest({ when: 'now', note: 'Ring me' });
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => r.id), poll).toContain(guest.conversationId);
    await openRow(agent, guest.conversationId);

    await agent.page.getByRole('button', { name: 'Call the customer' }).click();
    await expect.poll(() => agent.page.getByRole('alert').filter({ hasText: MICROPHONE_REFUSED }).count(), poll).toBe(1);
    // From the request's "Call now" too, shown in the card.
    await requestCard(agent.page).getByRole('button', { name: 'Call now', exact: true }).click();
    await expect.poll(() => requestCard(agent.page).getByRole('alert').textContent(), poll).toBe(MICROPHONE_REFUSED);
    expect(await region(agent.page).count()).toBe(0);
    expect((await callsOf(guest.conversationId, { guestId: guest.guestId })).map((c) => c.status)).toEqual(['requested']);
    expect(agent.problems()).toEqual([]);
  });

  it('XSS: a request’s note, a phone-like text and the customer’s name render as text', async () => {
    const agent = await bed.agent();
    const count = await showCallRequests(agent.page);
    const user = await person('user', { firstName: XSS, email: `x${Date.now()}@example.com` });
    // The phone field takes digits only: markup there is refused, so it can only come in the note.
    const refused = await request(bed.server, '/api/support/calls/request', { token: user.token, body: { when: 'now', phone: `+1 555 ${XSS}` } });
    expect(refused.status).toBe(400);
    const note = `Call +1 555 0100 ${XSS}\n<script>alert(2)</script>`;
    const { conversationId } = await requestCall({ token: user.token }, { when: 'now', phone: '+1 555 0100', note, timeZone: NEW_YORK });
    await expect.poll(() => count.textContent(), poll).toBe('1 waiting');
    await openRow(agent, conversationId);
    const card = requestCard(agent.page);
    await expect.poll(() => card.locator('.call-note').textContent(), poll).toBe(note);

    // Rung, the bar shows the customer's name as text; hung up before the answer, it says so.
    await card.getByRole('button', { name: 'Call now', exact: true }).click();
    const bar = region(agent.page);
    await expect.poll(() => bar.locator('.call-customer').textContent(), poll).toBe(XSS);
    await bar.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => bar.locator('.call-outcome').textContent(), poll).toBe('Cancelled before the answer');

    expect(await agent.page.locator('img, script:not([src])').count()).toBe(0);
    expect(await agent.page.evaluate(() => (globalThis as any).document.querySelectorAll('[onerror]').length)).toBe(0);
    expect(await violations(agent.page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
  });
});
