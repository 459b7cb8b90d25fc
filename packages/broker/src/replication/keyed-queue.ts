/**
 * Runs asynchronous tasks with at most `limit` running at once and, per key, one at a time in
 * submission order. The replication node provisions partitions through it: opening a partition
 * log waits on the disk (directory creation, fsyncs), so opening them one after another made a
 * topic of 10,000 partitions take minutes; in parallel the waits overlap, while the states of one
 * partition are still applied in the order the metadata watch delivered them.
 */
export class KeyedQueue {
  readonly #limit: number;
  readonly #onError: (key: string, err: unknown) => void;
  readonly #tails = new Map<string, Promise<void>>();
  readonly #waiters: Array<() => void> = [];
  #admitted = 0;

  /** `onError` is told of a task that rejected (the queue goes on with the next). */
  constructor(limit: number, onError: (key: string, err: unknown) => void) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`KeyedQueue limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
    this.#onError = onError;
  }

  /** Tasks admitted and not yet finished (running, or waiting for an earlier task of their key). */
  get pending(): number {
    return this.#admitted;
  }

  /**
   * Queues `task` after the earlier tasks of `key`. Resolves once it is admitted (fewer than
   * `limit` tasks were pending), not when it finishes: the caller (a watch loop) goes on reading
   * while it runs, and is held back only when `limit` tasks are pending.
   */
  async submit(key: string, task: () => Promise<void>): Promise<void> {
    while (this.#admitted >= this.#limit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#admitted++;
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run: Promise<void> = previous
      .then(task)
      .catch((err: unknown) => this.#onError(key, err))
      .finally(() => {
        this.#admitted--;
        if (this.#tails.get(key) === run) this.#tails.delete(key);
        this.#waiters.shift()?.();
      });
    this.#tails.set(key, run);
  }

  /** Resolves once every task admitted so far has finished. */
  async idle(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()]);
  }
}
