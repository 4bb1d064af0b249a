import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, decide, NAMES, provisionCommand, REDIS_URL, SHARED_PG_URL, shown, TURN_SERVER, type Machine, type Service, type State } from './requirements.js';

/**
 * globalSetup: once per run, find PostgreSQL, Redis, Chromium and coturn where the tests look for
 * them, start or install what is missing when this machine can, and tell the test files what
 * answered. The closing line names what was skipped; TEST_REQUIRE_ALL=1 (CI) fails instead.
 */
const run = promisify(execFile);
const reason = (error: any): string => error?.errors?.[0]?.message ?? error?.message ?? String(error);
const codeOf = (error: any): string | undefined => error?.errors?.[0]?.code ?? error?.code;
/** Nothing listens, or nothing is installed: what starting or installing can fix. */
const nothingThere = (error: unknown) => ['ECONNREFUSED', 'ENOENT'].includes(codeOf(error) ?? '');

type Problem = Required<Omit<State, 'address'>>;

const PROBES: Record<Service, (address: string) => Promise<Problem | undefined>> = {
  async postgres(url) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (error) {
      return { problem: `PostgreSQL does not answer at ${shown(url)} (${reason(error)})`, absent: nothingThere(error) };
    } finally {
      await client.end().catch(() => undefined);
    }
  },
  async redis(url) {
    const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    let cause: unknown; // the socket's error: the rejected connect only says "Connection is closed."
    redis.on('error', (error) => (cause ??= error));
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      cause ??= error;
      return { problem: `Redis does not answer at ${shown(url)} (${reason(cause)})`, absent: nothingThere(cause) };
    } finally {
      redis.disconnect();
    }
  },
  async chromium(path) {
    try {
      await run(path, ['--version'], { timeout: 30_000 });
    } catch (error) {
      const absent = nothingThere(error);
      return { problem: absent ? `Chromium not found at ${path}` : `Chromium at ${path} does not start (${reason(error)})`, absent };
    }
  },
  /** Only that it runs: each test file starts its own turnserver (test/support/turn.ts). */
  async turnserver(path) {
    try {
      await run(path, ['--version'], { timeout: 30_000 });
    } catch (error) {
      const absent = nothingThere(error);
      return { problem: absent ? `coturn not found at ${path}` : `coturn at ${path} does not start (${reason(error)})`, absent };
    }
  },
};

async function onPath(command: string): Promise<boolean> {
  return run('sh', ['-c', `command -v ${command}`]).then(() => true, () => false);
}

async function machine(): Promise<Machine> {
  const [pgCtlcluster = false, redisServer = false, aptGet = false] = await Promise.all(['pg_ctlcluster', 'redis-server', 'apt-get'].map(onPath));
  let pgVersion: string | undefined;
  try {
    pgVersion = readdirSync('/etc/postgresql').sort()[0];
  } catch {
    // no Debian cluster: nothing to start
  }
  return { root: process.getuid?.() === 0, has: { pgCtlcluster, redisServer, aptGet }, pgVersion, provision: process.env.TEST_PROVISION !== '0' };
}

/** apt-get holds dpkg's lock: two installs at once (Chromium and coturn) would fail, so they queue. */
let aptQueue: Promise<unknown> = Promise.resolve();
function queued<T>(command: string, job: () => Promise<T>): Promise<T> {
  if (!command.includes('apt-get')) return job();
  const next = aptQueue.then(job);
  aptQueue = next.catch(() => undefined);
  return next;
}

/** Probes; when nothing is there, provisions if it can and probes until the service answers or time is up. */
async function find(service: Service, address: string, host: Machine): Promise<State> {
  const first = await PROBES[service](address);
  const command = first?.absent && provisionCommand(service, address, host);
  if (!command) return { address, ...first };
  const failed = await queued(command, () => {
    console.log(`provision: ${first.problem}; running: ${command}`);
    return run('sh', ['-c', command], { timeout: 15 * 60_000, maxBuffer: 64 << 20 }).then(
      () => undefined,
      (error) => `${error.stderr || error.stdout || reason(error)}`.trim().split('\n').at(-1),
    );
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = await PROBES[service](address);
    if (!now) {
      console.log(`provision: ${NAMES[service]} is up`);
      return { address };
    }
    if (failed !== undefined || Date.now() > deadline) return { ...now, address, problem: `${now.problem}; \`${command}\` did not help${failed ? ` (${failed})` : ''}` };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export default async function setup(project: TestProject) {
  const host = await machine();
  const addresses: Record<Service, string> = { postgres: SHARED_PG_URL, redis: REDIS_URL, chromium: CHROMIUM, turnserver: TURN_SERVER };
  const services = Object.keys(addresses) as Service[];
  const found = await Promise.all(services.map((s) => find(s, addresses[s], host)));
  const states = Object.fromEntries(services.map((s, i) => [s, found[i]!])) as Record<Service, State>;
  const outcome = decide(states, host, process.env);
  // Without a stack the message is all vitest prints: the frame would only point here.
  if (outcome.fatal) throw Object.assign(new Error(outcome.fatal), { stack: outcome.fatal });
  project.provide('missing', outcome.missing);
  return () => {
    if (outcome.closing) console.log(outcome.closing);
  };
}
