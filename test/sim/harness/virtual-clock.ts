/**
 * The `Clock` seam of the replication code on the simulation's virtual time. Each process
 * incarnation gets its own clock: its sleeps are events owned by that incarnation, so they stop
 * while it is paused and never end once it is dead. A clock may run at its own `rate` (a
 * monotonic clock drifting against the others, as §6 Timing tolerates up to LD/RD) and show a
 * skewed wall time (which protocol decisions must ignore).
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
  readonly #rate: number;
  readonly #origin: number;

  constructor(scheduler: SimScheduler, process: SimProcess, options: { wallSkewMs?: number; rate?: number } = {}) {
    this.#scheduler = scheduler;
    this.#process = process;
    this.#wallSkewMs = options.wallSkewMs ?? 0;
    this.#rate = options.rate ?? 1;
    if (!(this.#rate > 0)) throw new RangeError(`Invalid clock rate ${this.#rate}: must be > 0`);
    this.#origin = scheduler.now;
  }

  /** Monotonic milliseconds of this process (virtual time scaled by its rate). */
  now(): number {
    return this.#origin + (this.#scheduler.now - this.#origin) * this.#rate;
  }

  /** Whole wall-clock milliseconds since the Unix epoch (as Date.now()), possibly skewed per process. */
  wallNow(): number {
    return Math.floor(SIM_WALL_EPOCH_MS + this.#scheduler.now + this.#wallSkewMs);
  }

  /** Resolves after `ms` of this clock's time; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        timer.cancel();
        reject(signal!.reason as Error);
      };
      const timer = this.#scheduler.schedule(ms / this.#rate, this.#process, `${this.#process.toString()} sleep ${ms}`, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
