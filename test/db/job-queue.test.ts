import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/db/jobs.js';
import { startTestServices } from '../support/services.js';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => void unhandled.push(reason);
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
  unhandled.length = 0;
});

describe('the job queue on our database handle', () => {
  it('stops cleanly while a job outlives the stop: the handle can be destroyed, and the job is left to retry', async () => {
    process.on('unhandledRejection', onUnhandled);
    const { db, close } = await startTestServices();
    const queue = createJobQueue(db);
    await queue.boss.start();
    await queue.boss.createQueue('slow');
    let finish!: () => void;
    const started = new Promise<void>((resolve) => {
      void queue.boss.work('slow', { pollingIntervalSeconds: 0.5 }, async () => {
        resolve();
        await new Promise<void>((done) => (finish = done));
      });
    });
    const jobId = await queue.boss.send('slow', {});
    await started;

    await queue.stop(1_000); // the job is still running when the stop gives up on it and fails it
    const { rows } = await sql<{ state: string }>`select state from pgboss.job where id = ${jobId}`.execute(db);
    expect(rows[0]?.state).toBe('retry');
    await close();

    finish(); // pg-boss now completes the job, on a handle that is gone
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(unhandled).toEqual([]);
  });
});
