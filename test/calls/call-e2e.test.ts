import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { request } from '../support/server.js';
import { browserTestBed } from '../widget/browser.js';
import { violations } from '../console/console-page.js';
import { callBar, callStatus, expectMediaFlowing, guestPage, mediaOf, poll, requestAndAnswer, signedInConsole } from './call-pages.js';

const bed = browserTestBed({}, { media: true });

async function both() {
  const agent = await signedInConsole(() => bed.context({ viewport: { width: 1280, height: 720 } }), bed.server.url);
  const guest = await guestPage(await bed.context({ viewport: { width: 1000, height: 720 } }), bed.server.url);
  return { agent, guest };
}

/** Connected, and audio arriving on both sides. */
async function requestAndConnect(agent: Page, guest: Page): Promise<void> {
  await requestAndAnswer(agent, guest);
  await expectMediaFlowing(agent, guest);
}

async function callsOf(conversationId: string, token: string) {
  const reply = await request(bed.server, `/api/support/conversation/${conversationId}/calls`, { token });
  return reply.body.data.calls as { status: string; durationSeconds: number | null; endedBy: string }[];
}

async function historyLines(conversationId: string, token: string) {
  const reply = await request(bed.server, `/api/support/conversation/${conversationId}/messages?limit=100`, { token });
  return (reply.body.data.messages as { messageType: string; message: string }[]).filter((m) => m.messageType === 'system').map((m) => m.message);
}

/** The conversation of the call this agent is in. */
async function conversationOf(agent: { admin: { id: string; token: string } }): Promise<string> {
  const reply = await request(bed.server, '/api/support/calls/active', { token: agent.admin.token });
  const calls = reply.body.data.calls as { agentId: string; conversationId: string }[];
  return calls.find((c) => c.agentId === agent.admin.id)!.conversationId;
}

describe.runIf(canRun('calls'))('a call between a guest in the widget and an agent in the console', { timeout: 120_000 }, () => {
  it('requests, connects with audio both ways, shows mute on the other side, and hangs up from either side', async () => {
    const { agent, guest } = await both();
    await requestAndConnect(agent.page, guest.page);
    const conversationId = await conversationOf(agent);
    // The timer runs on both sides.
    await expect.poll(() => callBar(guest.page).locator('.call-timer').textContent(), poll).toMatch(/^0:0[1-9]$/);

    // The agent mutes: the guest is told, and the audio that reaches the guest falls silent.
    await expect.poll(async () => (await mediaOf(guest.page))!.audioLevel, poll).toBeGreaterThan(0.01);
    await callBar(agent.page).getByRole('button', { name: 'Mute' }).click();
    expect(await callBar(agent.page).getByRole('button', { name: 'Mute' }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => callBar(guest.page).locator('.call-remote-state').textContent(), poll).toContain('Ada muted their microphone');
    // Silence: what a muted track sends (the level of one bit at most).
    await expect.poll(async () => (await mediaOf(guest.page))!.audioLevel, poll).toBeLessThan(0.001);
    // The guest still hears nothing from the agent but the agent hears the guest.
    await expect.poll(async () => (await mediaOf(agent.page))!.audioLevel, poll).toBeGreaterThan(0.01);

    // The guest hangs up: both sides show the end.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await callBar(guest.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Call ended');
    await expect.poll(() => callStatus(agent.page), poll).toBe('Call ended');

    // A second call, rung by the agent from the conversation, hung up by the agent.
    await callBar(agent.page).getByRole('button', { name: 'Close' }).click();
    await agent.page.getByRole('button', { name: 'Call the customer' }).click();
    await guest.page.getByRole('alertdialog', { name: 'Incoming call' }).getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(agent.page, guest.page);
    await callBar(agent.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Call ended');
    await expect.poll(() => callStatus(agent.page), poll).toBe('Call ended');

    // The history holds one record and one line per call, with a plausible duration.
    const calls = await callsOf(conversationId, agent.admin.token);
    expect(calls.map((c) => [c.status, c.endedBy])).toEqual([
      ['completed', 'agent'],
      ['completed', 'customer'],
    ]);
    for (const call of calls) expect(call.durationSeconds).toBeGreaterThanOrEqual(1), expect(call.durationSeconds).toBeLessThan(120);
    const lines = await historyLines(conversationId, agent.admin.token);
    expect(lines.filter((line) => /^Call with Ada, \d+ s$/.test(line))).toHaveLength(2);
    expect(lines.filter((line) => line.startsWith('Call requested'))).toHaveLength(1);
    // And the widget shows those lines as the conversation's history.
    await expect.poll(() => guest.page.getByText(/^Call with Ada/).count(), poll).toBe(2);

    expect(await violations(agent.page)).toEqual([]);
    expect(agent.problems()).toEqual([]);
    expect(guest.problems()).toEqual([]);
  });

  it('a side that reloads during the call rejoins it, and the call reconnects', async () => {
    const { agent, guest } = await both();
    await requestAndConnect(agent.page, guest.page);
    const conversationId = await conversationOf(agent);

    // The guest reloads: the widget finds its call, opens and rejoins; the agent offers again.
    await guest.page.reload();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Connected');
    await expect.poll(() => callStatus(agent.page), poll).toBe('Connected');
    await expectMediaFlowing(agent.page, guest.page);

    // The agent reloads: the console signs in again from sessionStorage and rejoins.
    await agent.page.reload();
    await expect.poll(() => callStatus(agent.page), poll).toBe('Connected');
    await expectMediaFlowing(agent.page, guest.page);

    await callBar(agent.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Call ended');
    const calls = await callsOf(conversationId, agent.admin.token);
    expect(calls.map((c) => c.status)).toEqual(['completed']);
  });
});
