import { cpuMeter, type CpuShare } from './proc.js';
import { summarize } from './stats.js';

export interface RateResult {
  requests: number;
  errors: number;
  rps: number;
  latency: ReturnType<typeof summarize>;
  cpu: CpuShare;
}

/**
 * Closed loop: `concurrency` keep-alive connections each send the next request as soon as
 * the last one is answered, for `seconds` after `warmupS` of the same unmeasured.
 */
export async function requestRate(
  request: (i: number) => { url: string; headers: Record<string, string> },
  o: { concurrency: number; seconds: number; warmupS: number; serverPid?: number; ok?: (status: number, body: string) => boolean },
): Promise<RateResult> {
  const ok = o.ok ?? ((status) => status === 200);
  let i = 0;
  const run = async (until: number, record: boolean, acc: { n: number; errors: number; latencies: number[] }) => {
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (performance.now() < until) {
          const { url, headers } = request(i++);
          const started = performance.now();
          try {
            const response = await fetch(url, { headers });
            const body = await response.text();
            if (!ok(response.status, body)) acc.errors++;
          } catch {
            acc.errors++;
          }
          if (record) {
            acc.n++;
            acc.latencies.push(performance.now() - started);
          }
        }
      }),
    );
  };
  await run(performance.now() + o.warmupS * 1000, false, { n: 0, errors: 0, latencies: [] });
  const acc = { n: 0, errors: 0, latencies: [] as number[] };
  const meter = cpuMeter(o.serverPid);
  const started = performance.now();
  await run(started + o.seconds * 1000, true, acc);
  const elapsed = (performance.now() - started) / 1000;
  return { requests: acc.n, errors: acc.errors, rps: acc.n / elapsed, latency: summarize(acc.latencies), cpu: meter() };
}
