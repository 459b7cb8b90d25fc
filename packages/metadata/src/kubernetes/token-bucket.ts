import { setTimeout as delay } from 'node:timers/promises';
import { MetadataStoreError } from '../errors.ts';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate, tokens per second. */
  readonly ratePerSecond: number;
  /** Tokens available at once (the burst). */
  readonly burst: number;
  /** Callers that may wait at the same time; one more is refused at once (bounded queue). */
  readonly maxWaiters: number;
}

/**
 * Client-side rate limiter for API writes (like client-go's QPS/burst limiter): a token bucket
 * refilled continuously on the monotonic clock. Waiters are served first come, first served, so a
 * burst of failover CASes cannot starve a broker's own Lease renewal for longer than the queue ahead
 * of it. Hand-written because it is ~50 lines and must honour AbortSignal and a bounded queue, which
 * the npm limiters we looked at do not both do.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #maxWaiters: number;
  #tokens: number;
  #refilledAt = performance.now();
  /** Tail of the FIFO chain of waiters. */
  #queue: Promise<void> = Promise.resolve();
  #waiters = 0;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1) || !(options.maxWaiters >= 0)) {
      throw new RangeError(`Invalid rate limit: ratePerSecond ${options.ratePerSecond} must be > 0, burst ${options.burst} >= 1, maxWaiters ${options.maxWaiters} >= 0`);
    }
    this.#rate = options.ratePerSecond;
    this.#burst = options.burst;
    this.#maxWaiters = options.maxWaiters;
    this.#tokens = options.burst;
  }

  /** The configured rate and burst, for reports and metrics. */
  get settings(): { ratePerSecond: number; burst: number; maxWaiters: number } {
    return { ratePerSecond: this.#rate, burst: this.#burst, maxWaiters: this.#maxWaiters };
  }

  /**
   * Takes one token, waiting for it when the bucket is empty. Resolves to the milliseconds waited.
   * @throws MetadataStoreError UNAVAILABLE when `maxWaiters` callers already wait; the abort reason on abort.
   */
  async take(signal: AbortSignal): Promise<number> {
    signal.throwIfAborted();
    if (this.#waiters === 0 && this.#refill() >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    if (this.#waiters >= this.#maxWaiters) {
      throw new MetadataStoreError('UNAVAILABLE', `Cannot send the write: ${this.#waiters} writes already wait for the client rate limit (${this.#rate}/s, burst ${this.#burst})`);
    }
    const started = performance.now();
    this.#waiters++;
    const previous = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => (release = resolve));
    try {
      await previous;
      for (;;) {
        signal.throwIfAborted();
        const tokens = this.#refill();
        if (tokens >= 1) {
          this.#tokens -= 1;
          return performance.now() - started;
        }
        // An abort ends the delay early; the check at the top of the loop then throws its reason.
        await delay(Math.ceil(((1 - tokens) / this.#rate) * 1000), undefined, { signal }).catch(() => undefined);
      }
    } finally {
      this.#waiters--;
      release();
    }
  }

  #refill(): number {
    const now = performance.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#rate);
    this.#refilledAt = now;
    return this.#tokens;
  }
}
