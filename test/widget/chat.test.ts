import { mkdir, stat } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { nextEvent, person, request, startTestServer, type TestServer } from '../support/server.js';
import {
  agentIn,
  collect,
  contrastFailures,
  CuttableProxy,
  customerSite,
  focused,
  guestConversation,
  rows,
  texts,
  widgetHarness,
} from './browser.js';

// Each run saves its screenshot under test-results/; UPDATE_SCREENSHOT=1 refreshes the README's.
const SCREENSHOT = new URL(process.env.UPDATE_SCREENSHOT ? '../../docs/widget.png' : '../../test-results/widget.png', import.meta.url);
const poll = { timeout: 20_000, interval: 100 };

const harness = widgetHarness();
const { visitor } = harness;
let server: TestServer;
let admin: { id: string; token: string };
beforeAll(() => void ({ server, admin } = harness));

async function openAndSend(page: Page, text: string) {
  await page.getByRole('button', { name: 'Open support chat' }).click();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

describe.runIf(canRun('browser'))('the widget in Chromium', { timeout: 60_000 }, () => {
  it('lets a guest talk to an agent, shows typing and read receipts, and survives a reload', async () => {
    const { page, watched } = await visitor();
    await openAndSend(page, 'Hello, my order has not arrived');
    await expect.poll(() => rows(page), poll).toEqual([expect.objectContaining({ kind: 'me', status: 'sent', text: 'Hello, my order has not arrived' })]);

    const { guestId, conversationId } = await guestConversation(server, page);
    const agent = await agentIn(server, admin.token, conversationId);
    const readByGuest = collect(agent.socket, 'message:read');

    // The guest typing reaches the agent with who is typing.
    const guestTyping = nextEvent(agent.socket, 'typing:start', 5_000);
    await page.getByRole('textbox', { name: 'Message' }).pressSequentially('Any news');
    expect(await guestTyping).toEqual({ conversationId, senderId: guestId, senderType: 'guest' });

    // The agent typing shows in the page, and goes away with the reply.
    agent.socket.emit('typing:start', { conversationId });
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Support is typing…' }).count(), poll).toBe(1);
    const reply = await agent.say('Sorry about that! Let me check the tracking number.');
    await expect
      .poll(() => texts(page), poll)
      .toEqual(['Hello, my order has not arrived', 'Sorry about that! Let me check the tracking number.']);
    await expect.poll(() => page.getByText('Support is typing…').count(), poll).toBe(0);

    // The panel is open, so the reply is read: the agent hears it.
    await expect.poll(() => readByGuest.map((r) => r.messageId), poll).toContain(reply.id);

    // The agent reads the guest's message: the page shows it as read.
    const [first] = await rows(page);
    await agent.socket.emitWithAck('message:read', { messageId: first!.key });
    await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('read');
    expect(await contrastFailures(page)).toEqual([]);

    await mkdir(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname });
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(5_000);

    // Reload: the same guest, the same conversation, the history as it was.
    await page.reload();
    await page.getByRole('button', { name: 'Open support chat' }).click();
    await expect
      .poll(() => texts(page), poll)
      .toEqual(['Hello, my order has not arrived', 'Sorry about that! Let me check the tracking number.']);
    expect(await guestConversation(server, page)).toEqual({ guestId, conversationId });
    const messages = await request(server, `/api/support/conversation/${conversationId}/messages`, { token: admin.token });
    expect(messages.body.data.messages).toHaveLength(2);
    expect(watched.dialogs).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('is usable by keyboard alone: open, type, send, close with Escape, focus managed', async () => {
    const { page } = await visitor();
    for (let i = 0; i < 10 && !(await focused(page))?.cls.includes('launcher'); i++) await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', label: 'Open support chat' });

    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'TEXTAREA' });
    await expect.poll(() => page.getByRole('dialog', { name: 'Support' }).isVisible()).toBe(true);
    await page.keyboard.type('Typed without a mouse');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page), poll).toEqual([expect.objectContaining({ text: 'Typed without a mouse', status: 'sent' })]);

    // Tab reaches the Send button, which sends with Space.
    await page.keyboard.type('And sent with the button');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', cls: 'send' });
    await page.keyboard.press('Space');
    await expect.poll(() => texts(page), poll).toEqual(['Typed without a mouse', 'And sent with the button']);

    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog', { name: 'Support' }).isVisible()).toBe(false);
    expect(await focused(page)).toMatchObject({ tag: 'BUTTON', label: 'Open support chat' });

    // The roles a screen reader relies on.
    await page.keyboard.press('Enter');
    const log = page.getByRole('log', { name: 'Messages' });
    expect(await log.getAttribute('aria-live')).toBe('polite');
    expect(await page.getByRole('button', { name: 'Send' }).count()).toBe(1);
    await page.getByRole('dialog', { name: 'Support' }).getByRole('button', { name: 'Close support chat' }).press('Enter');
    expect(await focused(page)).toMatchObject({ label: 'Open support chat' });
  });

  it('shows the unread count while closed and marks messages read when opened', async () => {
    const { page } = await visitor();
    await openAndSend(page, 'Is anyone there?');
    await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
    await page.keyboard.press('Escape');
    const { conversationId } = await guestConversation(server, page);
    const agent = await agentIn(server, admin.token, conversationId);
    const reads = collect(agent.socket, 'message:read');

    const one = await agent.say('Yes, hello!');
    const two = await agent.say('How can I help?');
    const launcher = page.getByRole('button', { name: 'Open support chat, 2 unread messages' });
    await expect.poll(() => launcher.count(), poll).toBe(1);
    expect(reads).toEqual([]);

    // A reload while closed still knows what is unread (from history).
    await page.reload();
    await expect.poll(() => launcher.count(), poll).toBe(1);

    await launcher.click();
    await expect.poll(() => reads.map((r) => r.messageId).sort(), poll).toEqual([one.id, two.id].sort());
    await page.keyboard.press('Escape');
    expect(await page.getByRole('button', { name: 'Open support chat', exact: true }).count()).toBe(1);
  });

  it('after a dropped connection shows each of 20 messages once, in order, and delivers what was written offline', async () => {
    const proxy = new CuttableProxy(Number(new URL(server.url).port));
    const viaProxy = await proxy.listen();
    try {
      const { page, watched } = await visitor(`${viaProxy}/`);
      await openAndSend(page, 'Before the outage');
      await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
      const { conversationId } = await guestConversation(server, page);
      const agent = await agentIn(server, admin.token, conversationId);
      await agent.say('Reply before the outage');
      await expect.poll(() => texts(page), poll).toEqual(['Before the outage', 'Reply before the outage']);

      proxy.cut();
      await expect.poll(() => page.getByText('Connection lost. Reconnecting…').isVisible(), poll).toBe(true);
      const burst: string[] = [];
      for (let i = 1; i <= 20; i++) burst.push((await agent.say(`Update ${i} of 20`)).message);
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill('Written while offline');
      await box.press('Enter');
      await expect.poll(async () => (await rows(page)).at(-1)?.status, poll).toBe('pending');
      await page.waitForTimeout(500);
      // Nothing could arrive through the cut connection.
      expect(await texts(page)).toEqual(['Before the outage', 'Reply before the outage', 'Written while offline']);
      expect(await contrastFailures(page)).toEqual([]);

      proxy.restore();
      const expected = ['Before the outage', 'Reply before the outage', ...burst, 'Written while offline'];
      await expect.poll(() => texts(page), { timeout: 30_000, interval: 200 }).toEqual(expected);
      await expect.poll(async () => (await rows(page)).at(-1)?.status, poll).toBe('sent');
      expect(await page.getByText('Connection lost. Reconnecting…').isVisible()).toBe(false);
      const seqs = (await rows(page)).map((r) => Number(r.seq));
      expect(seqs).toEqual(expected.map((_, i) => i + 1));

      // The offline message was stored once, whatever was retried.
      const stored = await request(server, `/api/support/conversation/${conversationId}/messages?limit=100`, { token: admin.token });
      expect(stored.body.data.messages.map((m: { message: string }) => m.message)).toEqual(expected);
      expect(watched.errors).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('loads the newest page first and older pages on scroll, each message once', async () => {
    const { page } = await visitor();
    await openAndSend(page, 'Message 1');
    await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
    const { conversationId } = await guestConversation(server, page);
    const agent = await agentIn(server, admin.token, conversationId);
    const all = ['Message 1'];
    for (let i = 2; i <= 75; i++) all.push((await agent.say(`Message ${i}`)).message);
    await expect.poll(() => texts(page), poll).toEqual(all);

    await page.reload();
    await page.getByRole('button', { name: /Open support chat/ }).click();
    await expect.poll(() => texts(page), poll).toEqual(all.slice(-30));

    const scrollToTop = () =>
      page.evaluate(() => {
        const log = (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.querySelector('[role=log]');
        log.scrollTop = 0;
        log.dispatchEvent(new (globalThis as any).Event('scroll'));
      });
    await scrollToTop();
    await expect.poll(() => texts(page), poll).toEqual(all.slice(-60));
    // The reader keeps their place: the log did not jump to the top of the new page.
    const top = await page.evaluate(
      () => (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.querySelector('[role=log]').scrollTop,
    );
    expect(top).toBeGreaterThan(100);
    await scrollToTop();
    await expect.poll(() => texts(page), poll).toEqual(all);
    expect(await page.getByRole('button', { name: 'Show earlier messages' }).isVisible()).toBe(false);
  });

  it('carries on in a new conversation when the agent has closed the old one', async () => {
    const { page } = await visitor();
    await openAndSend(page, 'First question');
    await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
    const before = await guestConversation(server, page);
    await server.db.updateTable('conversations').set({ status: 'closed' }).where('id', '=', before.conversationId).execute();

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('A new question');
    await box.press('Enter');
    await expect
      .poll(async () => (await rows(page)).map(({ kind, seq, status, text }) => ({ kind, seq, status, text })), poll)
      .toEqual([
        { kind: 'me', seq: '-1', status: 'sent', text: 'First question' },
        { kind: 'system', seq: '-1', status: null, text: 'This conversation was closed. New messages start a new one.' },
        { kind: 'me', seq: '1', status: 'sent', text: 'A new question' },
      ]);
    const after = await guestConversation(server, page);
    expect(after.guestId).toBe(before.guestId);
    expect(after.conversationId).not.toBe(before.conversationId);
    const history = await request(server, `/api/support/conversation/${after.conversationId}/messages`, { token: admin.token });
    expect(history.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['A new question']);
  });

  it("tells the visitor in its header whether an agent is online, and nothing more", async () => {
    await server.db.deleteFrom('agent_presence').execute();
    const { page } = await visitor();
    const header = () =>
      page.evaluate(() => (globalThis as any).document.querySelector('support-chat-widget').shadowRoot.querySelector('.head').textContent as string);
    await page.getByRole('button', { name: 'Open support chat' }).click();
    await expect.poll(header, poll).toContain('We’ll reply as soon as we can.');

    expect((await request(server, '/api/support/admin/presence', { token: admin.token, body: { state: 'online' } })).status).toBe(200);
    await page.getByRole('button', { name: 'Close support chat' }).first().click();
    await page.getByRole('button', { name: /Open support chat/ }).click();
    await expect.poll(header, poll).toContain('We’re online now.');
    expect(await header()).not.toContain('Ada'); // no agent names or counts
  });

  it('shows an auth code as a code with a copy button', async () => {
    const { page } = await visitor();
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await openAndSend(page, 'I need to log in on my phone');
    await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
    const { guestId } = await guestConversation(server, page);

    const generated = await request(server, '/api/support/onboarding/generate-code', { token: admin.token, body: { guestId } });
    const { code } = generated.body.data;
    await expect.poll(async () => (await rows(page)).at(-1), poll).toMatchObject({ kind: 'code', text: code });
    expect(await page.getByText('Your verification code').isVisible()).toBe(true);
    expect(await contrastFailures(page)).toEqual([]);

    await page.getByRole('button', { name: 'Copy code' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Copied' }).count(), poll).toBe(1);
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(code);

    // A reload loses nothing: history shows its owner the live code, with its copy button.
    await page.reload();
    await page.getByRole('button', { name: /Open support chat/ }).click();
    await expect.poll(async () => (await rows(page)).at(-1), poll).toMatchObject({ kind: 'code', text: code });
    expect(await page.getByRole('button', { name: 'Copy code' }).count()).toBe(1);

    // Once used, history says so and the digits are gone.
    const verified = await request(server, '/api/support/onboarding/verify-code', { body: { code, guestId } });
    expect(verified.body.success).toBe(true);
    await page.reload();
    await page.getByRole('button', { name: /Open support chat/ }).click();
    await expect.poll(async () => (await texts(page, 'system')).includes('This verification code has been used.'), poll).toBe(true);
    expect((await texts(page)).join('\n')).not.toContain(code);
    expect(await page.getByRole('button', { name: 'Copy code' }).count()).toBe(0);
  });

  it('boots for a signed-in user on another site, from data- attributes and SupportWidget.boot({ token })', async () => {
    const user = await person('user', { firstName: 'Una' });
    // A hostile host page: its CSS tries to hide and restyle the widget.
    const site = await customerSite(
      `<!doctype html><html><head><title>Shop</title><style>
        * { color: #0f0 !important; font-family: "Comic Sans MS", cursive !important; }
        button { background: red !important; padding: 40px !important; }
        support-chat-widget { display: none !important; opacity: 0 !important; }
      </style></head><body><div class="panel" id="own-panel">The shop's own panel</div>
      <script src="${server.url}/widget.js" data-api-url="${server.url}" data-auto-boot="false" data-title="Help desk"></script>
      </body></html>`,
    );
    try {
      const { page, watched } = await visitor(site.url);
      // data-auto-boot="false": nothing until the site boots it.
      expect(await page.locator('support-chat-widget').count()).toBe(0);
      await page.evaluate((token) => (globalThis as any).SupportWidget.boot({ token }), user.token);

      const launcher = page.getByRole('button', { name: 'Open support chat' });
      await expect.poll(() => launcher.isVisible(), poll).toBe(true);
      expect(await launcher.evaluate((el) => (globalThis as any).getComputedStyle(el).backgroundColor)).toBe('rgb(29, 78, 216)');
      expect((await launcher.boundingBox())?.width).toBe(56);
      // ...and the widget's CSS does not reach the page.
      expect(await page.locator('#own-panel').evaluate((el) => (globalThis as any).getComputedStyle(el).position)).toBe('static');

      await launcher.click();
      expect(await page.getByRole('dialog', { name: 'Help desk' }).isVisible()).toBe(true);
      const box = page.getByRole('textbox', { name: 'Message' });
      await box.fill('Signed in and asking');
      await box.press('Enter');
      await expect.poll(async () => (await rows(page))[0]?.status, poll).toBe('sent');
      expect(await contrastFailures(page)).toEqual([]);

      const mine = await request(server, '/api/support/conversation', { token: user.token });
      const history = await request(server, `/api/support/conversation/${mine.body.data.id}/messages`, { token: user.token });
      expect(history.body.data.messages).toMatchObject([{ senderType: 'user', senderId: user.id, message: 'Signed in and asking' }]);
      // A signed-in user is not a guest: no guest id was made or kept.
      expect(await page.evaluate(() => (globalThis as any).localStorage.length)).toBe(0);
      expect(watched.errors).toEqual([]);
    } finally {
      await site.close();
    }
  });
});

describe.runIf(canRun('browser'))('the widget under a tight send limit', { timeout: 60_000 }, () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ LIMIT_MESSAGES_PER_CONNECTION: '2/3' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("shows the server's rate-limit message, marks the message failed, and retries it once", async () => {
    const { page } = await visitor(`${limited.url}/`);
    await page.getByRole('button', { name: 'Open support chat' }).click();
    const box = page.getByRole('textbox', { name: 'Message' });
    for (const text of ['one', 'two', 'three']) {
      await box.fill(text);
      await box.press('Enter');
    }
    await expect
      .poll(async () => (await rows(page)).map((r) => `${r.text}:${r.status}`), poll)
      .toEqual(['one:sent', 'two:sent', 'three:failed']);
    expect(await page.getByRole('alert').textContent()).toContain('Too many requests, try again later');
    expect(await page.getByText('Not sent: Too many requests, try again later').isVisible()).toBe(true);
    expect(await contrastFailures(page)).toEqual([]);

    await page.waitForTimeout(3_200);
    await page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(async () => (await rows(page)).map((r) => `${r.text}:${r.status}`), poll).toEqual(['one:sent', 'two:sent', 'three:sent']);
    const { conversationId } = await guestConversation(limited, page);
    const stored = await request(limited, `/api/support/conversation/${conversationId}/messages`, { token: admin.token });
    expect(stored.body.data.messages.map((m: { message: string }) => m.message)).toEqual(['one', 'two', 'three']);
  });
});
