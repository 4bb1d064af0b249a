import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Every test file gets its own database (a fresh PostgreSQL database or an in-memory
    // PGlite), so files run in parallel without seeing each other's rows.
    fileParallelism: true,
  },
});
