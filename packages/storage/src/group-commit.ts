/**
 * Group commit: appends that arrive while an fdatasync is in flight share the next one. An append
 * waits for an fdatasync that started after its bytes were written, so it is acknowledged only
 * once they are on stable storage.
 *
 * Invariants: `flushedOffset` never exceeds what the sync function reported as covered, and never
 * decreases except through {@link GroupCommit.lowerTo} (truncation). At most one sync runs at a
 * time; the waiters list is bounded by the appends in flight, which the broker bounds.
 */
import { fsyncChannel, type FsyncEvent } from './storage-events.ts';

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Options of {@link GroupCommit}. */
export interface GroupCommitOptions {
  /** The log's name, for events. */
  name: string;
  /** Offsets below this are already durable. */
  flushedOffset: number;
  /** Syncs the data written so far; resolves with the offset it made durable (exclusive). */
  sync: () => Promise<number>;
  /** Called once when a sync fails; the failure is fatal for the log. */
  onFailure: (err: unknown) => void;
}

/** Shares fdatasyncs between concurrent appends. */
export class GroupCommit {
  readonly #options: GroupCommitOptions;
  #flushedOffset: number;
  #waiters: Waiter[] = [];
  #inFlight = false;
  #failure: unknown;

  constructor(options: GroupCommitOptions) {
    this.#options = options;
    this.#flushedOffset = options.flushedOffset;
  }

  /** Offsets below this are on stable storage. */
  get flushedOffset(): number {
    return this.#flushedOffset;
  }

  /** Resolves once every offset below `offset` is durable (starting a sync if none is running). */
  waitFor(offset: number): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (offset <= this.#flushedOffset) return Promise.resolve();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#waiters.push({ offset, resolve, reject });
    this.#kick();
    return promise;
  }

  /** Records that offsets below `offset` became durable by other means (a roll synced them). */
  markFlushed(offset: number): void {
    if (offset > this.#flushedOffset) this.#flushedOffset = offset;
  }

  /** The log was truncated to `offset`: nothing at or above it is flushed any more. */
  lowerTo(offset: number): void {
    if (offset < this.#flushedOffset) this.#flushedOffset = offset;
  }

  /** Fails every waiter and all future waits with `err`. */
  fail(err: unknown): void {
    this.#failure ??= err;
    for (const w of this.#waiters.splice(0)) w.reject(this.#failure);
  }

  #kick(): void {
    if (this.#inFlight || this.#waiters.length === 0 || this.#failure !== undefined) return;
    this.#inFlight = true;
    const started = performance.now();
    const waiting = this.#waiters.length;
    this.#options.sync().then(
      (covered) => {
        this.#inFlight = false;
        this.markFlushed(covered);
        let released = 0;
        this.#waiters = this.#waiters.filter((w) => {
          if (w.offset > this.#flushedOffset) return true;
          released++;
          w.resolve();
          return false;
        });
        this.#publish(started, released);
        this.#kick();
      },
      (err: unknown) => {
        this.#inFlight = false;
        this.#publish(started, waiting, err);
        // onFailure fails this group commit with the log's error; fail(err) covers a caller that does not.
        this.#options.onFailure(err);
        this.fail(err);
      },
    );
  }

  #publish(started: number, appends: number, error?: unknown): void {
    if (!fsyncChannel.hasSubscribers) return;
    const event: FsyncEvent = { log: this.#options.name, durationMs: performance.now() - started, appends };
    if (error !== undefined) event.error = error;
    fsyncChannel.publish(event);
  }
}
