import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { request, type TestServer } from '../support/server.js';
import { guestConversation, rows, widgetHarness } from './browser.js';

/** "Get the reply by email": offered once to a guest when no agent is online, skippable. */
const poll = { timeout: 20_000, interval: 100 };
const harness = widgetHarness();
const { visitor } = harness;
let server: TestServer;
let admin: { id: string; token: string };
beforeAll(() => void ({ server, admin } = harness));

async function openAndSend(page: Page, text: string) {
  const launcher = page.getByRole('button', { name: 'Open support chat' });
  if (await launcher.count()) await launcher.click();
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await expect.poll(async () => (await rows(page)).some((r) => r.text === text && r.status === 'sent'), poll).toBe(true);
}

describe.runIf(canRun('browser'))('the widget’s email offer', { timeout: 60_000 }, () => {
  it('asks a guest for an email when no agent is online, saves it for the agents, and asks only once', async () => {
    const { page } = await visitor();
    await openAndSend(page, 'Is anyone there?');
    const offer = page.getByRole('form', { name: 'Get the reply by email' });
    await expect.poll(() => offer.isVisible(), poll).toBe(true);
    await page.getByRole('textbox', { name: 'Email' }).fill('ann@example.com');
    await offer.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => offer.getByText('We’ll email you at ann@example.com', { exact: false }).count(), poll).toBe(1);

    const { conversationId } = await guestConversation(server, page);
    const details = await request(server, `/api/support/conversation/${conversationId}`, { token: admin.token });
    expect(details.body.data.guestEmail).toBe('ann@example.com');

    await page.reload();
    await openAndSend(page, 'One more thing');
    await page.waitForTimeout(500);
    expect(await page.getByRole('form', { name: 'Get the reply by email' }).isVisible()).toBe(false);
  });

  it('takes “Not now” for an answer and does not ask again', async () => {
    const { page } = await visitor();
    await openAndSend(page, 'Hello');
    const offer = page.getByRole('form', { name: 'Get the reply by email' });
    await expect.poll(() => offer.isVisible(), poll).toBe(true);
    await offer.getByRole('button', { name: 'Not now' }).click();
    expect(await offer.isVisible()).toBe(false);
    await openAndSend(page, 'Hello again');
    await page.waitForTimeout(500);
    expect(await offer.isVisible()).toBe(false);
  });
});
