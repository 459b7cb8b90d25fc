/**
 * The `Clock` seam of the replication code on the simulation's virtual time. Each process
 * incarnation gets its own clock: its sleeps are events owned by that incarnation, so they stop
 * while it is paused and never end once it is dead.
 */
import type { SimProcess, SimScheduler } from './sim-scheduler.ts';

/** Wall-clock time at virtual time 0 (2026-01-01), for record timestamps only. */
export const SIM_WALL_EPOCH_MS = Date.UTC(2026, 0, 1);

/** A Clock (packages/broker replication seam) driven by a {@link SimScheduler}. */
export class VirtualClock {
  readonly #scheduler: SimScheduler;
  readonly #process: SimProcess;
  /** Added to the wall clock only: protocol decisions must not depend on it (§6 Timing). */
  readonly #wallSkewMs: number;

  constructor(scheduler: SimScheduler, process: SimProcess, wallSkewMs = 0) {
    this.#scheduler = scheduler;
    this.#process = process;
    this.#wallSkewMs = wallSkewMs;
  }

  /** Monotonic virtual milliseconds. */
  now(): number {
    return this.#scheduler.now;
  }

  /** Whole wall-clock milliseconds since the Unix epoch (as Date.now()), possibly skewed per process. */
  wallNow(): number {
    return Math.floor(SIM_WALL_EPOCH_MS + this.#scheduler.now + this.#wallSkewMs);
  }

  /** Resolves after `ms` of virtual time in which this process ran; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        reject(signal!.reason as Error);
      };
      const timer = this.#scheduler.schedule(ms, this.#process, `${this.#process.toString()} sleep ${ms}`, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
