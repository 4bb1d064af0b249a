import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Some files need PostgreSQL, Redis or Chromium: a fresh machine may lack them, so the run
    // provides what it can once, and the files that need the rest skip (CI: fail) instead.
    globalSetup: ['test/support/provision.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Every test file gets its own database (a fresh PostgreSQL database or an in-memory
    // PGlite), so files run in parallel without seeing each other's rows.
    fileParallelism: true,
  },
});
