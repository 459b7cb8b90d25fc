/**
 * Byte budget of the producer's unsent and in-flight records (Kafka's `buffer.memory`).
 * `reserve` waits, FIFO, while the budget is exhausted, so a fast producer is slowed to the speed of
 * the brokers instead of growing without bound. Every wait takes an AbortSignal.
 */
export class BufferMemory {
  readonly capacity: number;
  #used = 0;
  readonly #waiters: Array<{ bytes: number; resolve: () => void }> = [];

  constructor(capacity: number) {
    if (!Number.isFinite(capacity) || capacity <= 0) throw new RangeError(`bufferMemory must be > 0 bytes, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Bytes currently reserved. */
  get used(): number {
    return this.#used;
  }

  /** Number of callers waiting for memory (the accumulator sends everything at once while > 0). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Reserves without waiting; false when it does not fit or others already wait (FIFO fairness). */
  tryReserve(bytes: number): boolean {
    if (this.#waiters.length > 0 || this.#used + bytes > this.capacity) return false;
    this.#used += bytes;
    return true;
  }

  /**
   * Reserves `bytes`, waiting until enough is released. Rejects with `signal.reason` on abort.
   * A request larger than the whole capacity can never succeed and is refused by the caller.
   */
  reserve(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const waiter = {
        bytes,
        resolve: (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal!.reason as Error);
        // The head may have been blocking smaller requests behind it.
        this.#wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Returns bytes to the budget and wakes waiters in order. */
  release(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    this.#wake();
  }

  #wake(): void {
    while (this.#waiters.length > 0) {
      const head = this.#waiters[0]!;
      if (this.#used + head.bytes > this.capacity) return;
      this.#waiters.shift();
      this.#used += head.bytes;
      head.resolve();
    }
  }
}
