import { describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../support/process.js';
import { canRun, REDIS_URL, SHARED_PG_URL } from '../support/requirements.js';
import { createScratchDatabase } from '../support/server.js';
import { callBar, callStatus, expectMediaFlowing, guestPage, mediaBrowser, poll, requestAndAnswer, signedInConsole } from './call-pages.js';

/**
 * Two real server processes sharing PostgreSQL and Redis: the guest's widget talks to A, the
 * agent's console to B. Ringing and the agent's signals cross from B to A through the Redis
 * adapter's rooms; the guest's answers reach B's SSE stream through the shared feed.
 */
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
let a: ServerProcess;
let b: ServerProcess;

describe.runIf(canRun('calls') && canRun('replicas'))('a call across two replicas', { timeout: 120_000 }, () => {
  const context = mediaBrowser(
    async () => {
      scratch = await createScratchDatabase(SHARED_PG_URL);
      const env = { DATABASE_URL: scratch.url, REDIS_URL };
      [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    },
    async () => {
      await Promise.all([a?.kill(), b?.kill()]);
      await scratch?.drop();
    },
  );

  it('connects a guest on replica A and an agent on replica B', async () => {
    const agent = await signedInConsole(context, b.url);
    const guest = await guestPage(await context(), a.url);
    await requestAndAnswer(agent.page, guest.page);
    await expectMediaFlowing(agent.page, guest.page);

    await callBar(agent.page).getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => callStatus(guest.page), poll).toBe('Call ended');
  });
});
