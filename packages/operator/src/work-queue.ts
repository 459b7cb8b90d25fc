/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Keys processed at the same time (different keys only: one key is never processed twice at once). @default 4 */
  readonly concurrency?: number;
  /** First retry delay after a failure. @default 200 */
  readonly baseDelayMs?: number;
  /** Longest retry delay. @default 60000 */
  readonly maxDelayMs?: number;
  /** Random source for the jitter, in [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Timer seam for tests. @default setTimeout */
  readonly setTimer?: (fn: () => void, ms: number) => { unref?: () => unknown };
}

/** What a handler returns: done, or come back after `requeueAfterMs` (a poll, not a failure). */
export type ReconcileResult = void | { readonly requeueAfterMs: number };

/** Processes one key; a throw is a failure, retried with the key's backoff. */
export type KeyHandler = (key: string) => Promise<ReconcileResult>;

/**
 * A de-duplicating queue of keys (`namespace/name`), as controller-runtime's workqueue: a key added
 * while it waits is queued once; a key added while it is being processed is processed once more
 * afterwards (never twice concurrently), so no change is missed and none is handled in parallel
 * with itself. A failing key is retried after an exponential backoff with full jitter, per key
 * (`baseDelayMs · 2^failures`, capped at `maxDelayMs`); a success resets it. At most
 * `concurrency` keys are processed at once; the queue holds at most one entry per key, so it is
 * bounded by the number of objects.
 */
export class WorkQueue {
  readonly #handler: KeyHandler;
  readonly #concurrency: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #random: () => number;
  readonly #setTimer: NonNullable<WorkQueueOptions['setTimer']>;
  /** Keys waiting, in arrival order (a Set keeps one entry per key). */
  readonly #ready = new Set<string>();
  readonly #active = new Set<string>();
  /** Keys added while active: processed again when the current run ends. */
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  /** Keys with a timer pending (retry or requeueAfter), to the time it fires. */
  readonly #delayed = new Map<string, number>();
  #stopped = false;
  #idleWaiters: Array<() => void> = [];

  constructor(handler: KeyHandler, options: WorkQueueOptions = {}) {
    this.#handler = handler;
    this.#concurrency = options.concurrency ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 200;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#random = options.random ?? Math.random;
    this.#setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  }

  /** Keys waiting to be processed (not counting those processing or waiting for a backoff). */
  get depth(): number {
    return this.#ready.size;
  }

  /** Keys being processed now. */
  get active(): number {
    return this.#active.size;
  }

  /** Failures in a row of `key` (0 after a success). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Queues `key` now (a no-op when it already waits). */
  add(key: string): void {
    if (this.#stopped) return;
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#ready.add(key);
    this.#pump();
  }

  /** Queues `key` after `ms`; an earlier pending timer for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#stopped) return;
    if (ms <= 0) return this.add(key);
    const due = Date.now() + ms;
    const pending = this.#delayed.get(key);
    if (pending !== undefined && pending <= due) return;
    this.#delayed.set(key, due);
    const timer = this.#setTimer(() => {
      if (this.#delayed.get(key) !== due) return;
      this.#delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref?.();
  }

  /** The backoff before retry number `failures` (1 = first retry), with full jitter. */
  backoffMs(failures: number): number {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(failures - 1, 30));
    return Math.max(1, Math.floor(this.#random() * ceiling));
  }

  /** Stops taking keys; resolves once the keys being processed are done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#ready.clear();
    this.#dirty.clear();
    this.#delayed.clear();
    await this.idle();
  }

  /** Resolves when nothing is waiting or processing (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.#ready.size === 0 && this.#active.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #pump(): void {
    while (!this.#stopped && this.#active.size < this.#concurrency) {
      const key = this.#nextKey();
      if (key === undefined) break;
      this.#ready.delete(key);
      this.#active.add(key);
      void this.#run(key);
    }
    if (this.#ready.size === 0 && this.#active.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #nextKey(): string | undefined {
    for (const key of this.#ready) if (!this.#active.has(key)) return key;
    return undefined;
  }

  async #run(key: string): Promise<void> {
    let retryAfter: number | undefined;
    try {
      const result = await this.#handler(key);
      this.#failures.delete(key);
      if (result && result.requeueAfterMs >= 0) retryAfter = result.requeueAfterMs;
    } catch {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      retryAfter = this.backoffMs(failures);
    } finally {
      this.#active.delete(key);
    }
    if (this.#dirty.delete(key)) this.add(key);
    else if (retryAfter !== undefined) this.addAfter(key, retryAfter);
    this.#pump();
  }
}
