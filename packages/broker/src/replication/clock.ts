/**
 * Time for the replication and membership code (DESIGN.md §6 Timing). Protocol decisions use only
 * `now()`, a monotonic clock local to this process: never a remote `renewTime`, never `Date.now()`
 * (a wall-clock step must not make a lease look expired, lease-protocol.md H7). The simulation
 * supplies a virtual clock with the same shape.
 */
export interface Clock {
  /** Monotonic milliseconds (arbitrary origin). Only differences on the same clock mean anything. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Wall-clock milliseconds since the Unix epoch, for record timestamps only. */
  wallNow(): number;
}

/** The process's clocks: `performance.now()` (monotonic) and `Date.now()` (wall, timestamps only). */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  sleep(ms, signal) {
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal!.reason as Error);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
