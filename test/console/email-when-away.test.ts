import { afterAll, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../email/smtp.js';
import { canRun } from '../support/requirements.js';
import { request } from '../support/server.js';
import { consoleTestBed } from './console-page.js';
import { customer } from './seed.js';

const poll = { timeout: 15_000, interval: 100 };
const smtp = await startSmtpServer();
const bed = consoleTestBed({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://chat.example.com' });
afterAll(() => smtp.close());

describe.runIf(canRun('browser'))('the console and emails while away', { timeout: 90_000 }, () => {
  it('has an “Email when away” switch that the server keeps, shown only to an agent with an address', async () => {
    const agent = await bed.agent({ firstName: 'Ada', email: 'ada@example.com' });
    const toggle = agent.page.getByRole('button', { name: /^Email when away/ });
    await expect.poll(() => toggle.textContent(), poll).toBe('Email when away on');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await expect.poll(() => toggle.textContent(), poll).toBe('Email when away off');
    const token = await agent.page.evaluate(() => (globalThis as any).sessionStorage.getItem('supportConsole.token') as string);
    const saved = await request(bed.server, '/api/support/admin/email-preferences', { token: token! });
    expect(saved.body.data.emailWhenAway).toBe(false);
    await agent.page.reload();
    await expect.poll(() => toggle.getAttribute('aria-pressed'), poll).toBe('false');

    const noAddress = await bed.agent({ firstName: 'Ned' });
    await expect.poll(() => noAddress.calls.includes('email.agentPreferences'), poll).toBe(true);
    await noAddress.page.waitForTimeout(500); // its answer is in
    expect(await noAddress.page.getByRole('button', { name: /^Email when away/ }).count()).toBe(0);
    expect([...agent.problems(), ...noAddress.problems()]).toEqual([]);
  });

  it('opens on the conversation an email links to, after signing in', async () => {
    const waiting = await customer(bed.server);
    await waiting.say('Linked from the email');
    const agent = await bed.agent({ firstName: 'Lin' }, { hash: `#conversation=${waiting.conversationId}` });
    const thread = agent.page.getByRole('log', { name: 'Messages' });
    await expect.poll(() => thread.textContent(), poll).toContain('Linked from the email');
    expect(new URL(agent.page.url()).hash).toBe('');
    expect(agent.problems()).toEqual([]);
  });
});
