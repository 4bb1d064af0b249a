/**
 * Preloaded into servers for the idle test only (`node --expose-gc --import …/gc-hook.ts`):
 * SIGUSR2 runs a full garbage collection, so RSS is compared after GC on both servers.
 */
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.on('SIGUSR2', () => {
    gc();
    gc();
  });
}
