import { inject } from 'vitest';

/**
 * The services some tests need beyond the embedded database, where the tests find them, and
 * what the run decides when one is missing. The decisions take the machine as an argument, so
 * they are unit-tested with made-up ones; test/support/provision.ts probes the real one.
 */
export type Service = 'postgres' | 'redis' | 'chromium' | 'turnserver';
export const NAMES: Record<Service, string> = { postgres: 'PostgreSQL', redis: 'Redis', chromium: 'Chromium', turnserver: 'coturn' };

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Replicas need a database that several processes share: PostgreSQL, even on the PGlite run. */
export const SHARED_PG_URL = process.env.DATABASE_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** Debian's Chromium, driven by playwright-core: nothing is downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Debian's coturn: test/support/turn.ts starts one of its own per test file, on a free port. */
export const TURN_SERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

/** The groups of tests that skip when a service they need is missing. */
export const GROUPS = {
  browser: { label: 'browser tests', where: 'test/widget, test/console, test/docs/docs-page.test.ts', needs: ['chromium'] },
  replicas: { label: 'replica tests', where: 'test/replicas', needs: ['postgres', 'redis'] },
  metrics: { label: 'metrics tests', where: 'test/ops/probes.test.ts', needs: ['postgres'] },
  clocks: { label: 'clock tests', where: 'test/webhooks/clock.test.ts', needs: ['postgres'] },
  calls: { label: 'call tests', where: 'test/calls', needs: ['chromium', 'turnserver'] },
} satisfies Record<string, { label: string; where: string; needs: Service[] }>;
export type Group = keyof typeof GROUPS;

/** Each group that cannot run, with why and how to enable it; `fail` (TEST_REQUIRE_ALL=1) makes it fail instead of skip. */
export interface Missing {
  groups: Partial<Record<Group, string>>;
  fail: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    missing: Missing;
  }
}

/**
 * For `describe.runIf(canRun('browser'))`: whether every service the group needs answered.
 * Under TEST_REQUIRE_ALL=1 a group that cannot run fails its file instead of skipping it. A file
 * whose tests all skip runs none of its hooks, so a file-level beforeAll needs no guard.
 */
export function canRun(group: Group): boolean {
  const missing = inject('missing');
  if (!missing) throw new Error('no service probes: run the tests through vitest.config.ts, whose globalSetup makes them');
  const why = missing.groups[group];
  if (why && missing.fail) throw new Error(`TEST_REQUIRE_ALL=1 allows no skipped tests: ${why}`);
  return !why;
}

export interface Machine {
  root: boolean;
  /** The commands on PATH that provisioning or a remedy may use. */
  has: { pgCtlcluster: boolean; redisServer: boolean; aptGet: boolean };
  /** The PostgreSQL version under /etc/postgresql, for pg_ctlcluster. */
  pgVersion?: string;
  /** TEST_PROVISION=0 turns provisioning off: the run only probes and skips. */
  provision: boolean;
}

/** Provisioning acts only on the local default of each service, never on one a URL or path points elsewhere. */
const DEFAULTS: Record<Service, (address: string) => boolean> = {
  postgres: (url) => isLocal(url, '5432'),
  redis: (url) => isLocal(url, '6379'),
  chromium: (path) => path === '/usr/bin/chromium',
  turnserver: (path) => path === '/usr/bin/turnserver',
};

/** An address fit for a log: a URL's password is left out. */
export function shown(address: string): string {
  if (!URL.canParse(address)) return address;
  const url = new URL(address);
  if (url.password) url.password = '***';
  return url.toString();
}

function isLocal(url: string, defaultPort: string): boolean {
  const { hostname, port } = new URL(url);
  return ['127.0.0.1', 'localhost', '[::1]'].includes(hostname) && (port || defaultPort) === defaultPort;
}

/** The Debian package of each service installed rather than started. */
const PACKAGES = { chromium: 'chromium', turnserver: 'coturn' } as const;

const REDIS_START = 'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no';

/** The shell command that provisions a missing service on this machine, if the run may and can. */
export function provisionCommand(service: Service, address: string, machine: Machine): string | undefined {
  if (!machine.provision || !DEFAULTS[service](address)) return undefined;
  if (service === 'postgres' && machine.has.pgCtlcluster && machine.pgVersion) {
    return `pg_ctlcluster --skip-systemctl-redirect ${machine.pgVersion} main start`;
  }
  if (service === 'redis' && machine.has.redisServer) return REDIS_START;
  // Debian's packages: apt-get runs one at a time (test/support/provision.ts queues them).
  if ((service === 'chromium' || service === 'turnserver') && machine.root && machine.has.aptGet) {
    return `apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[service]}`;
  }
  return undefined;
}

/** The command a person would run to enable a missing service. */
export function remedy(service: Service, address: string, machine: Machine): string {
  const sudo = machine.root ? '' : 'sudo ';
  if (!DEFAULTS[service](address)) {
    if (service === 'chromium') return 'point CHROMIUM_PATH at a Chromium executable';
    if (service === 'turnserver') return "point TURNSERVER_PATH at coturn's turnserver executable";
    return `start ${NAMES[service]} at that address`;
  }
  if (service === 'postgres') {
    return machine.has.pgCtlcluster && machine.pgVersion ? `${sudo}pg_ctlcluster ${machine.pgVersion} main start` : `${sudo}apt-get install postgresql`;
  }
  if (service === 'redis') return machine.has.redisServer ? REDIS_START : `${sudo}apt-get install redis-server`;
  return `${sudo}apt-get install ${PACKAGES[service]}`;
}

/** A service as the probe found it: where the tests look for it, and why it did not answer. */
export interface State {
  address: string;
  problem?: string;
  /** Nothing listens there, or nothing is installed: what starting or installing fixes. */
  absent?: boolean;
}

export interface Outcome {
  missing: Missing;
  /** The line that closes the run, naming every group skipped (or failed for TEST_REQUIRE_ALL=1). */
  closing?: string;
  /** Why the run must stop before any test. */
  fatal?: string;
}

/**
 * What the run does with the services as found after any provisioning. A DATABASE_URL that
 * does not answer stops the run, skipping nothing: every test file would need it.
 */
export function decide(states: Record<Service, State>, machine: Machine, env: { DATABASE_URL?: string; TEST_REQUIRE_ALL?: string }): Outcome {
  const lacks = (service: Service) => states[service].problem !== undefined;
  // A service that is there but refuses (a missing database, a password) needs its own error read, not a start.
  const why = (service: Service) => {
    const { problem, absent, address } = states[service];
    return absent ? `${problem}; enable with: ${remedy(service, address, machine)}` : problem;
  };
  const missing: Missing = { groups: {}, fail: env.TEST_REQUIRE_ALL === '1' };
  if (env.DATABASE_URL && lacks('postgres')) {
    return { missing, fatal: `DATABASE_URL does not answer: ${why('postgres')}, or unset DATABASE_URL to run on PGlite` };
  }
  for (const [group, { label, where, needs }] of Object.entries(GROUPS) as [Group, (typeof GROUPS)[Group]][]) {
    if (needs.some(lacks)) missing.groups[group] = `${label} (${where}: ${needs.filter(lacks).map(why).join(', and ')})`;
  }
  const list = Object.values(missing.groups).join(', ');
  if (!list) return { missing };
  return { missing, closing: missing.fail ? `TEST_REQUIRE_ALL=1 failed these instead of skipping them: ${list}` : `Skipped: ${list}` };
}
