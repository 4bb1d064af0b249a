import { describe, expect, it } from 'vitest';
import { canRun } from '../support/requirements.js';
import { consoleTestBed, inboxRows } from './console-page.js';
import { customer } from './seed.js';

const poll = { timeout: 15_000, interval: 100 };
const bed = consoleTestBed();

describe.runIf(canRun('browser'))("the console's tab title", { timeout: 90_000 }, () => {
  it('counts every unread conversation of the agent or nobody, far past the first page, live', async () => {
    // 120 customers waiting: more than any list the console holds (pages of 25, at most 100).
    for (let batch = 0; batch < 12; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const c = await customer(bed.server);
          await c.say(`Waiting customer ${batch * 10 + i}`);
        }),
      );
    }
    const agent = await bed.agent();
    await expect.poll(() => agent.page.title(), poll).toBe('(120) Support console');

    // One more writes while the console is open: counted without a reload.
    const late = await customer(bed.server);
    await late.say('I just arrived');
    await expect.poll(() => agent.page.title(), poll).toBe('(121) Support console');

    // The agent opens it and reads it: one fewer.
    await expect.poll(async () => (await inboxRows(agent.page))[0]?.preview, poll).toBe('I just arrived');
    await agent.page.locator('.inbox-row').first().click();
    await expect.poll(async () => (await inboxRows(agent.page))[0]?.unread, poll).toBe(0);
    await expect.poll(() => agent.page.title(), poll).toBe('(120) Support console');
  });
});
