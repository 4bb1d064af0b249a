import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `vitest run` on one browser file in a child process, as on a machine without Chromium
 * (a path that does not exist, provisioning off so nothing is installed).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
const NO_CHROMIUM = 'browser tests (test/widget, test/console, test/docs/docs-page.test.ts: Chromium not found at /nonexistent; enable with: point CHROMIUM_PATH at a Chromium executable)';

const lines = (text: string) => text.split('\n').map((line) => line.trim()).filter(Boolean);

/** The exit code, every line, and the last line on stdout (where the closing line goes). */
function runWithoutChromium(env: Record<string, string>): Promise<{ code: number; lines: string[]; last?: string }> {
  // The child is a run of its own: nothing of this worker's vitest state or of CI's TEST_REQUIRE_ALL.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'TEST_REQUIRE_ALL'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [VITEST, 'run', 'test/widget/xss.test.ts'],
      { cwd: ROOT, timeout: 60_000, env: { ...inherited, NO_COLOR: '1', CHROMIUM_PATH: '/nonexistent', TEST_PROVISION: '0', ...env } },
      (error, stdout, stderr) => {
        // A child killed by the timeout has no exit code: -1, never a pass.
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, lines: lines(`${stdout}\n${stderr}`), last: lines(stdout).at(-1) });
      },
    );
  });
}

describe('a run without Chromium', { timeout: 90_000 }, () => {
  it('passes with the browser tests skipped and says so in its closing line; fails under TEST_REQUIRE_ALL=1', async () => {
    const [fresh, ci] = await Promise.all([runWithoutChromium({}), runWithoutChromium({ TEST_REQUIRE_ALL: '1' })]);

    expect(fresh.code, fresh.lines.join('\n')).toBe(0);
    expect(fresh.lines.find((line) => line.startsWith('Tests'))).toMatch(/^Tests\s+\d+ skipped \(\d+\)$/);
    expect(fresh.last).toMatch(/^Skipped: /);
    expect(fresh.last).toContain(NO_CHROMIUM);

    expect(ci.code, ci.lines.join('\n')).toBe(1);
    expect(ci.lines).toContain(`Error: TEST_REQUIRE_ALL=1 allows no skipped tests: ${NO_CHROMIUM}`);
    expect(ci.last).toMatch(/^TEST_REQUIRE_ALL=1 failed these instead of skipping them: /);
  });
});
