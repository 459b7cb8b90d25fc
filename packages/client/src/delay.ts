/**
 * Waits `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts.
 *
 * Written on the global `setTimeout` (not `node:timers/promises`) so tests can drive it with fake
 * timers. The timer keeps the process alive on purpose: a back-off is the client still working for
 * a caller who awaits its outcome, and a process whose only pending work is a back-off must not
 * exit as if the caller's `await` had nothing left to wait for. Every wait therefore ends in its
 * timer firing or its signal aborting (close() aborts the signals of the client's own waits).
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
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
