import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Fleet, Guest } from './fleet.js';
import { runStep, type StepResult } from './load.js';
import { rssOf, type Child } from './proc.js';

/** Work beside the message path, started and stopped around a measured step. */
export interface SideLoad {
  name: string;
  start(): Promise<{ stop(): Promise<string> }>;
}

export interface SideLoadResult {
  name: string;
  rounds: number;
  /** Medians over the rounds, without and with the side load (ms, MB). */
  p99Plain: number;
  p99With: number;
  rssPlainMb: number;
  rssWithMb: number;
  lost: number;
  /** What the side load did, in its own words. */
  work: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The message path at one rate without and with a side load, alternating `rounds` times in one
 * run: the p99 of message:send and the server's peak RSS, medians of the rounds. Alternating
 * keeps slow drift (a growing table, a warming cache) from counting for either side.
 */
export async function compareSideLoad(
  fleet: Fleet,
  server: Child,
  load: SideLoad,
  o: { rate: number; rounds: number; nextStep: () => number; log: (...parts: unknown[]) => void },
): Promise<SideLoadResult> {
  const step = () => runStep(fleet, { rate: o.rate, warmupS: 2, measureS: 6, step: o.nextStep(), messageBytes: 64, stallS: 5 }, server.pid);
  const peakRss = async <T>(work: Promise<T>) => {
    let peak = rssOf(server.pid);
    const timer = setInterval(() => (peak = Math.max(peak, rssOf(server.pid))), 50);
    try {
      return { result: await work, peak: peak / 2 ** 20 };
    } finally {
      clearInterval(timer);
    }
  };
  const plain: { result: StepResult; peak: number }[] = [];
  const loaded: { result: StepResult; peak: number }[] = [];
  let work = '';
  for (let round = 1; round <= o.rounds; round++) {
    plain.push(await peakRss(step()));
    await sleep(1000);
    const running = await load.start();
    loaded.push(await peakRss(step()));
    work = await running.stop();
    const [a, b] = [plain.at(-1)!, loaded.at(-1)!];
    const cpu = (r: StepResult) => `server ${r.cpu.server.toFixed(0)} %, generator ${r.cpu.generator.toFixed(0)} %, send lag p99 ${r.sendLag.p99.toFixed(1)} ms`;
    o.log(`${load.name} round ${round}: p99 ${a.result.latency.p99.toFixed(1)} → ${b.result.latency.p99.toFixed(1)} ms, peak RSS ${a.peak.toFixed(0)} → ${b.peak.toFixed(0)} MB (${work}); ${cpu(a.result)} → ${cpu(b.result)}`);
    await sleep(1000);
  }
  return {
    name: load.name,
    rounds: o.rounds,
    p99Plain: median(plain.map((r) => r.result.latency.p99)),
    p99With: median(loaded.map((r) => r.result.latency.p99)),
    rssPlainMb: median(plain.map((r) => r.peak)),
    rssWithMb: median(loaded.map((r) => r.peak)),
    lost: [...plain, ...loaded].reduce((n, r) => n + r.result.lost + r.result.failed, 0),
    work,
  };
}

/**
 * `count` uploads of `bytes` in parallel (announce → PUT through the server → complete), in
 * waves `everyMs` apart from `afterMs` into the step, sent by a child process at low priority:
 * its 100 MB of request bodies must not slow the load generator it shares a core with, which
 * would count as the server's latency. Each wave is what the issue names: ten 10 MB uploads
 * at once.
 */
export function uploadsLoad(
  url: string,
  guests: Guest[],
  o: { count?: number; bytes?: number; afterMs?: number; everyMs?: number; sink?: { kind: 'disk' | 'null'; cpu?: number } } = {},
): SideLoad {
  const { count = 10, bytes = 10 * 1024 * 1024, afterMs = 3_000, everyMs = 2_000, sink } = o;
  const who = guests.slice(0, count).map((g) => ({ guestId: g.guestId, conversationId: g.conversationId }));
  return {
    name: `${count} × ${bytes / 2 ** 20} MB uploads at once${sink ? ` to a niced process that ${sink.kind === 'disk' ? 'writes them to disk' : 'drops them'}` : ''}`,
    async start() {
      const receiver = sink ? await startUploadSink(sink.kind, sink.cpu) : undefined;
      const child = spawn('nice', ['-n', '19', process.execPath, '--input-type=module', '-e', UPLOADER], {
        env: { ...process.env, UPLOAD_CONFIG: JSON.stringify({ url, who, bytes, afterMs, everyMs, sinkUrl: receiver?.url }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return {
        async stop() {
          child.kill('SIGTERM');
          await exited;
          await receiver?.stop();
          const waves = out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { ms: number });
          return `${waves.length} waves of ${count}, ${waves.map((w) => `${(w.ms / 1000).toFixed(1)} s`).join(', ')} each`;
        },
      };
    },
  };
}

/** The upload receiver of `--upload-floor`, at the lowest priority, on the server's CPU. */
async function startUploadSink(kind: 'disk' | 'null', cpu?: number) {
  const script = fileURLToPath(new URL('./upload-sink.ts', import.meta.url));
  const node = [process.execPath, '--import', 'tsx', script];
  const child = spawn('nice', ['-n', '19', ...(cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node])], {
    env: { ...process.env, UPLOAD_SINK: kind },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`upload sink exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `http://127.0.0.1:${port}/`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The uploading child: waves of parallel uploads, one JSON line per finished wave. */
const UPLOADER = `
const { url, who, bytes, afterMs, everyMs, sinkUrl } = JSON.parse(process.env.UPLOAD_CONFIG);
const file = Buffer.alloc(bytes, 'All work and no play makes a support ticket.\\n');
async function upload(g) {
  const headers = { 'content-type': 'application/json', 'x-guest-id': g.guestId };
  const created = await (await fetch(url + '/api/support/attachments', { method: 'POST', headers, body: JSON.stringify({ conversationId: g.conversationId, name: 'log.txt', size: file.length, contentType: 'text/plain' }) })).json();
  const put = await fetch(sinkUrl ?? new URL(created.data.upload.url, url), { method: 'PUT', headers: created.data.upload.headers, body: file });
  if (!put.ok) throw new Error('upload failed: ' + put.status);
  if (sinkUrl) return;
  const done = await fetch(url + '/api/support/attachments/' + created.data.attachmentId + '/complete', { method: 'POST', headers });
  if (!done.ok) throw new Error('complete failed: ' + done.status);
}
await new Promise((r) => setTimeout(r, afterMs));
for (;;) {
  const t0 = performance.now();
  await Promise.all(who.map(upload));
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
  await new Promise((r) => setTimeout(r, everyMs));
}
`;

/**
 * Agents' consoles as the server sees them (`consoles-child.ts`), from a child process at low
 * priority: parsing 20 streams is the browsers' work, not the server's, and on the generator's
 * core it would count as the server's latency. No browser: Chromium would be the same problem.
 */
export function consolesLoad(url: string, tokens: string[], options: { refetch?: boolean } = {}): SideLoad {
  const refetch = options.refetch ?? true;
  const script = fileURLToPath(new URL('./consoles-child.ts', import.meta.url));
  return {
    name: `${tokens.length} agents' consoles${refetch ? '' : ' (live stream only, no refetches)'}`,
    async start() {
      const child = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', script], {
        env: { ...process.env, CONSOLES_CONFIG: JSON.stringify({ url, tokens, refetch }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Every console signed in and subscribed before the step starts.
      while (!out.includes('ready') && child.exitCode === null) await sleep(50);
      return {
        async stop() {
          child.kill('SIGTERM');
          await exited;
          const summary = out.split('\n').find((line) => line.startsWith('{'));
          return summary ? (JSON.parse(summary) as { summary: string }).summary : `the consoles exited early (${child.exitCode})`;
        },
      };
    },
  };
}

/** The README's rows for side loads. */
export function sideLoadRows(results: SideLoadResult[], rate: number): string[] {
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)} %`;
  return results.map(
    (r) =>
      `| ${r.name} beside ${rate.toLocaleString('en')} msgs/s (${r.work}; medians of ${r.rounds} alternating rounds) | p99 ${r.p99Plain.toFixed(1)} → ${r.p99With.toFixed(1)} ms (${pct(r.p99Plain, r.p99With)}) | peak RSS ${r.rssPlainMb.toFixed(0)} → ${r.rssWithMb.toFixed(0)} MB (${r.rssWithMb >= r.rssPlainMb ? '+' : ''}${(r.rssWithMb - r.rssPlainMb).toFixed(0)} MB) | ${r.lost} lost or failed |`,
  );
}
