/**
 * A counting semaphore with a FIFO queue: at most `size` holders at once, the others served in the
 * order they asked. No timers, so the deterministic simulation schedules it like any promise.
 */
export class Slots {
  readonly #size: number;
  #held = 0;
  readonly #waiting: Array<{ grant: () => void }> = [];

  /** @throws RangeError unless `size` is a positive integer */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Invalid slot count ${size}: must be a positive integer`);
    this.#size = size;
  }

  /** Holders right now. */
  get held(): number {
    return this.#held;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free (call it exactly once; later calls do
   * nothing). Rejects with the abort reason when `signal` aborts first, holding nothing.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.#held < this.#size) {
      this.#held++;
      return Promise.resolve(this.#release());
    }
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.#held++;
          resolve(this.#release());
        },
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(entry);
    });
  }

  #release(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      this.#waiting.shift()?.grant();
    };
  }
}
