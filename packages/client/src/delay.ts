/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 *
 * Written on the global `setTimeout` (not `node:timers/promises`) so tests can drive it with fake
 * timers; the timer is unref'd so a pending back-off never keeps a process alive on its own.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (typeof timer === 'object' && 'unref' in timer) timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
