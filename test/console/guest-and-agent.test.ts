import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { rows, texts, watch } from '../widget/browser.js';
import { consoleTestBed, inboxRows, violations } from './console-page.js';

const poll = { timeout: 15_000, interval: 100 };

const bed = consoleTestBed();
const agentConsole = () => bed.agent();

/** A guest on the demo page (`/`) with the real widget, in a browser context of their own. */
async function guest(): Promise<{ page: Page; problems: () => string[] }> {
  const context = await bed.context({ viewport: { width: 1000, height: 720 } });
  const page = await context.newPage();
  const watched = watch(page);
  await page.goto(`${bed.server.url}/`);
  return { page, problems: () => [...watched.dialogs, ...watched.errors] };
}

async function guestSays(page: Page, text: string) {
  const launcher = page.getByRole('button', { name: /Open support chat/ });
  if (await launcher.isVisible()) await launcher.click();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

describe.runIf(canRun('browser'))('a guest in the widget and an agent in the console', { timeout: 60_000 }, () => {
  it('shows the conversation live, read receipts, the reply and typing both ways', async () => {
    const agent = await agentConsole();
    const visitor = await guest();
    await guestSays(visitor.page, 'Hello, my parcel is lost');

    // It appears in the console without a reload, unread 1.
    await expect.poll(async () => (await inboxRows(agent.page)).map((r) => [r.preview, r.unread]), poll).toEqual([['Hello, my parcel is lost', 1]]);
    await expect.poll(() => agent.page.title(), poll).toBe('(1) Support console');

    // The agent opens it: what is on screen is read, and the widget shows the receipt.
    await agent.page.locator('.inbox-row').first().click();
    const log = agent.page.getByRole('log', { name: 'Messages' });
    await expect.poll(() => log.textContent(), poll).toContain('Hello, my parcel is lost');
    expect(await log.getAttribute('aria-live')).toBe('polite');
    await expect.poll(async () => (await rows(visitor.page))[0]?.status, poll).toBe('read');
    await expect.poll(async () => (await inboxRows(agent.page))[0]?.unread, poll).toBe(0);
    await expect.poll(() => agent.page.title(), poll).toBe('Support console');

    // The guest types: the agent sees it.
    await visitor.page.getByRole('textbox', { name: 'Message' }).pressSequentially('Any news');
    await expect.poll(() => agent.page.getByRole('status').filter({ hasText: 'is typing…' }).count(), poll).toBe(1);

    // The agent types ("r" focuses the reply box): the guest sees it; Enter sends.
    await agent.page.locator('body').press('r');
    await agent.page.keyboard.type('Let me look at the tracking');
    await expect.poll(() => visitor.page.getByText('Support is typing…').count(), poll).toBe(1);
    await agent.page.keyboard.press('Shift+Enter');
    await agent.page.keyboard.type('number for you.');
    await agent.page.keyboard.press('Enter');
    const reply = 'Let me look at the tracking\nnumber for you.';
    await expect.poll(() => texts(visitor.page), poll).toEqual(['Hello, my parcel is lost', reply]);
    // The widget is open on a visible page, so the reply is read: the console says so.
    await expect.poll(() => agent.page.locator('.msg-agent .msg-status').last().textContent(), poll).toBe('Read');
    await expect.poll(() => agent.page.getByRole('textbox', { name: 'Reply' }).inputValue(), poll).toBe('');

    // A live new message from the guest lands in the open thread, once.
    await guestSays(visitor.page, 'Thank you!');
    await expect.poll(async () => (await log.locator('.msg-customer .msg-text').allTextContents()), poll).toEqual(['Hello, my parcel is lost', 'Thank you!']);

    expect(await violations(agent.page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
    expect(visitor.problems()).toEqual([]);
  });

  it('shows the agent the email a guest gave for replies while away, and that it is not confirmed yet', async () => {
    const agent = await agentConsole();
    const visitor = await guest();
    await guestSays(visitor.page, 'Please email me the answer');
    const guestId = await visitor.page.evaluate(() => {
      const store = (globalThis as any).localStorage;
      for (let i = 0; i < store.length; i++) if (store.key(i).startsWith('supportWidget.guestId@')) return store.getItem(store.key(i)) as string;
      return null;
    });
    const saved = await fetch(`${bed.server.url}/api/support/guest/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guest-id': guestId! },
      body: JSON.stringify({ email: 'grace@example.com' }),
    });
    expect(saved.status).toBe(200);
    await expect.poll(async () => (await inboxRows(agent.page)).some((r) => r.preview === 'Please email me the answer'), poll).toBe(true);
    await agent.page.locator('.inbox-row', { hasText: 'Please email me the answer' }).click();
    const panel = agent.page.getByRole('complementary', { name: 'Customer' });
    await expect.poll(() => panel.locator('.email').textContent(), poll).toMatch(/^grace@example\.com \(not confirmed yet/);
    expect(agent.problems()).toEqual([]);
  });

  it("never lets a private note reach the widget's DOM, live or after a reload", async () => {
    const agent = await agentConsole();
    const visitor = await guest();
    await guestSays(visitor.page, 'I need a refund');
    // The first test's conversation is in this inbox too: take the one whose preview is this message.
    await expect.poll(async () => (await inboxRows(agent.page)).some((r) => r.preview === 'I need a refund'), poll).toBe(true);
    await agent.page.locator('.inbox-row', { hasText: 'I need a refund' }).click();

    await agent.page.getByRole('checkbox', { name: 'Private note' }).check();
    const box = agent.page.getByRole('textbox', { name: 'Private note' });
    await box.fill('SECRET-NOTE refund approved by finance');
    await box.press('Enter');
    await expect.poll(() => agent.page.locator('.msg-note .msg-text').allTextContents(), poll).toEqual(['SECRET-NOTE refund approved by finance']);
    await expect.poll(async () => (await inboxRows(agent.page)).find((r) => r.selected)?.preview, poll).toBe('📝 SECRET-NOTE refund approved by finance');
    await agent.page.getByRole('checkbox', { name: 'Private note' }).uncheck();
    await agent.page.getByRole('textbox', { name: 'Reply' }).fill('We are on it');
    await agent.page.getByRole('textbox', { name: 'Reply' }).press('Enter');
    await expect.poll(() => texts(visitor.page), poll).toEqual(['I need a refund', 'We are on it']);

    const widgetText = () =>
      visitor.page.evaluate(() => {
        const doc = (globalThis as any).document;
        return `${doc.documentElement.outerHTML} ${doc.querySelector('support-chat-widget')?.shadowRoot?.innerHTML ?? ''}`;
      });
    expect(await widgetText()).not.toContain('SECRET-NOTE');
    await visitor.page.reload();
    await visitor.page.getByRole('button', { name: /Open support chat/ }).click();
    await expect.poll(() => texts(visitor.page), poll).toEqual(['I need a refund', 'We are on it']);
    expect(await widgetText()).not.toContain('SECRET-NOTE');
    expect(agent.problems()).toEqual([]);
  });
});
