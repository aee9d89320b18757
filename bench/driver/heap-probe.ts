/**
 * Bench-only, preloaded into the BFF processes the bench starts (`--import`, with `--expose-gc`);
 * never part of the BFF. On the bench's `heap` message it collects garbage and answers with the
 * heap in use, so the bench can say what the in-process store's sessions cost without a debug
 * endpoint in the BFF.
 */
process.on('message', (message) => {
  if (message !== 'heap') return;
  (globalThis as { gc?: () => void }).gc?.();
  process.send?.({ heapUsed: process.memoryUsage().heapUsed });
});
