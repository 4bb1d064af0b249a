import { describe, expect, it } from 'vitest';
import { decide, provisionCommand, remedy, shown, type Machine, type Service, type State } from '../support/requirements.js';

const PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS = 'redis://127.0.0.1:6379';
const CHROME = '/usr/bin/chromium';
const TURN = '/usr/bin/turnserver';
/** A fresh Debian machine of this project's kind, as a user with sudo. */
const debian: Machine = { root: false, has: { pgCtlcluster: true, redisServer: true, aptGet: true }, pgVersion: '15', provision: true };
const asRoot: Machine = { ...debian, root: true };
const found = (problems: Partial<Record<Service, string>> = {}): Record<Service, State> => ({
  postgres: { address: PG, problem: problems.postgres, absent: true },
  redis: { address: REDIS, problem: problems.redis, absent: true },
  chromium: { address: CHROME, problem: problems.chromium, absent: true },
  turnserver: { address: TURN, problem: problems.turnserver, absent: true },
});

describe('what a run provisions', () => {
  it('starts the local PostgreSQL cluster and Redis, and installs Chromium and coturn only as root', () => {
    expect(provisionCommand('postgres', PG, debian)).toBe('pg_ctlcluster --skip-systemctl-redirect 15 main start');
    expect(provisionCommand('redis', REDIS, debian)).toMatch(/^redis-server --daemonize yes .*--port 6379 /);
    expect(provisionCommand('chromium', CHROME, debian)).toBeUndefined();
    expect(provisionCommand('chromium', CHROME, asRoot)).toBe('apt-get update && apt-get install -y --no-install-recommends chromium');
    expect(provisionCommand('turnserver', TURN, debian)).toBeUndefined();
    expect(provisionCommand('turnserver', TURN, asRoot)).toBe('apt-get update && apt-get install -y --no-install-recommends coturn');
  });

  it('leaves alone what a URL or path points elsewhere, what is not installed, and everything under TEST_PROVISION=0', () => {
    expect(provisionCommand('postgres', 'postgres://postgres@db.internal:5432/x', asRoot)).toBeUndefined();
    expect(provisionCommand('postgres', 'postgres://postgres@127.0.0.1:5433/x', asRoot)).toBeUndefined();
    expect(provisionCommand('redis', 'redis://127.0.0.1:1', asRoot)).toBeUndefined();
    expect(provisionCommand('chromium', '/nonexistent', asRoot)).toBeUndefined();
    expect(provisionCommand('turnserver', '/usr/sbin/turnserver', asRoot)).toBeUndefined();
    const bare: Machine = { ...asRoot, has: { pgCtlcluster: false, redisServer: false, aptGet: false }, pgVersion: undefined };
    for (const [service, address] of [['postgres', PG], ['redis', REDIS], ['chromium', CHROME], ['turnserver', TURN]] as const) {
      expect(provisionCommand(service, address, bare), service).toBeUndefined();
      expect(provisionCommand(service, address, { ...asRoot, provision: false }), service).toBeUndefined();
    }
  });

  it('names the command that would enable each service', () => {
    expect(remedy('postgres', PG, debian)).toBe('sudo pg_ctlcluster 15 main start');
    expect(remedy('postgres', PG, { ...debian, has: { ...debian.has, pgCtlcluster: false } })).toBe('sudo apt-get install postgresql');
    expect(remedy('redis', REDIS, { ...debian, has: { ...debian.has, redisServer: false } })).toBe('sudo apt-get install redis-server');
    expect(remedy('chromium', CHROME, debian)).toBe('sudo apt-get install chromium');
    expect(remedy('chromium', CHROME, asRoot)).toBe('apt-get install chromium');
    expect(remedy('chromium', '/opt/chrome', debian)).toBe('point CHROMIUM_PATH at a Chromium executable');
    expect(remedy('turnserver', TURN, debian)).toBe('sudo apt-get install coturn');
    expect(remedy('turnserver', TURN, asRoot)).toBe('apt-get install coturn');
    expect(remedy('turnserver', '/opt/coturn/bin/turnserver', debian)).toBe("point TURNSERVER_PATH at coturn's turnserver executable");
    expect(remedy('redis', 'redis://cache.internal:6379', debian)).toBe('start Redis at that address');
    expect(shown('postgres://app:hunter2@db.internal/x')).toBe('postgres://app:***@db.internal/x');
  });
});

describe('what a run skips', () => {
  it('skips nothing and says nothing when every service answers', () => {
    expect(decide(found(), debian, {})).toEqual({ missing: { groups: {}, fail: false } });
  });

  it('skips exactly the groups that need a missing service, in one closing line', () => {
    const noChromium = decide(found({ chromium: `Chromium not found at ${CHROME}` }), debian, {});
    expect(Object.keys(noChromium.missing.groups)).toEqual(['browser', 'calls']);
    expect(noChromium.closing).toBe(
      'Skipped: browser tests (test/widget, test/console, test/docs/docs-page.test.ts: Chromium not found at /usr/bin/chromium; enable with: sudo apt-get install chromium), ' +
        'call tests (test/calls: Chromium not found at /usr/bin/chromium; enable with: sudo apt-get install chromium)',
    );

    const noCoturn = decide(found({ turnserver: `coturn not found at ${TURN}` }), debian, {});
    expect(Object.keys(noCoturn.missing.groups)).toEqual(['calls']);
    expect(noCoturn.closing).toBe('Skipped: call tests (test/calls: coturn not found at /usr/bin/turnserver; enable with: sudo apt-get install coturn)');

    expect(Object.keys(decide(found({ redis: 'Redis does not answer' }), debian, {}).missing.groups)).toEqual(['replicas']);
    const nothing = decide(found({ postgres: 'PostgreSQL does not answer', redis: 'Redis does not answer', chromium: 'no', turnserver: 'no' }), debian, {});
    expect(Object.keys(nothing.missing.groups)).toEqual(['browser', 'replicas', 'metrics', 'clocks', 'calls']);
    expect(nothing.missing.groups.calls).toBe('call tests (test/calls: no; enable with: sudo apt-get install chromium, and no; enable with: sudo apt-get install coturn)');
    expect(nothing.missing.groups.replicas).toBe(
      'replica tests (test/replicas: PostgreSQL does not answer; enable with: sudo pg_ctlcluster 15 main start, ' +
        'and Redis does not answer; enable with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no)',
    );
    expect(nothing.closing).toBe(`Skipped: ${Object.values(nothing.missing.groups).join(', ')}`);
  });

  it('offers no start command for a service that is there but refuses', () => {
    const states = found();
    states.postgres = { address: PG, problem: 'PostgreSQL does not answer at x (password authentication failed)', absent: false };
    expect(decide(states, debian, {}).missing.groups.metrics).toBe('metrics tests (test/ops/probes.test.ts: PostgreSQL does not answer at x (password authentication failed))');
  });

  it('turns every skip into a failure under TEST_REQUIRE_ALL=1', () => {
    const ci = decide(found({ chromium: 'Chromium not found at /usr/bin/chromium' }), asRoot, { TEST_REQUIRE_ALL: '1' });
    expect(ci.missing.fail).toBe(true);
    expect(ci.closing).toBe(
      'TEST_REQUIRE_ALL=1 failed these instead of skipping them: browser tests (test/widget, test/console, test/docs/docs-page.test.ts: Chromium not found at /usr/bin/chromium; enable with: apt-get install chromium), ' +
        'call tests (test/calls: Chromium not found at /usr/bin/chromium; enable with: apt-get install chromium)',
    );
  });

  it('stops the run when DATABASE_URL does not answer, since every file would need it', () => {
    const outcome = decide(found({ postgres: 'PostgreSQL does not answer at postgres://postgres@127.0.0.1:5432/support_test' }), debian, { DATABASE_URL: PG });
    expect(outcome.fatal).toBe(
      'DATABASE_URL does not answer: PostgreSQL does not answer at postgres://postgres@127.0.0.1:5432/support_test; ' +
        'enable with: sudo pg_ctlcluster 15 main start, or unset DATABASE_URL to run on PGlite',
    );
    expect(decide(found({ redis: 'down' }), debian, { DATABASE_URL: PG }).fatal).toBeUndefined();
  });
});
