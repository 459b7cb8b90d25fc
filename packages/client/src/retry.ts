import { delay } from './delay.ts';

/** Options of {@link retry}. */
export interface RetryOptions {
  /** Total attempts including the first. @default 5 */
  maxAttempts?: number;
  /** Back-off cap of the first retry, in ms. @default 100 */
  minDelayMs?: number;
  /** Upper bound of any back-off, in ms. @default 1000 */
  maxDelayMs?: number;
  /** Growth of the cap per attempt. @default 2 */
  multiplier?: number;
  /** Decides whether an error is worth another attempt. @default every error */
  isRetriable?: (err: unknown) => boolean;
  /** Called before each back-off (metadata refresh, logging). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  /** Stops waiting and retrying; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Source of randomness in [0, 1), injectable for tests. @default Math.random */
  random?: () => number;
}

/**
 * The back-off before retry number `attempt` (1-based) under "full jitter" (AWS architecture blog,
 * "Exponential Backoff And Jitter"): uniform in [0, min(maxDelay, minDelay * multiplier^(attempt-1))).
 * Full jitter spreads retries of many clients that failed together, instead of letting them
 * hammer a recovering broker in lockstep.
 */
export function fullJitterDelay(attempt: number, options: Pick<RetryOptions, 'minDelayMs' | 'maxDelayMs' | 'multiplier' | 'random'> = {}): number {
  const minDelay = options.minDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 1000;
  const multiplier = options.multiplier ?? 2;
  const random = options.random ?? Math.random;
  const cap = Math.min(maxDelay, minDelay * multiplier ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

/**
 * Runs `fn` until it succeeds, a non-retriable error occurs, or `maxAttempts` is reached; waits a
 * full-jitter back-off between attempts. The last error is rethrown unchanged, so callers keep its
 * `code` and `retriable` flag. The one retry helper of the client (STYLE.md).
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`retry: maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  const isRetriable = options.isRetriable ?? (() => true);
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= maxAttempts || !isRetriable(err) || options.signal?.aborted) throw err;
      const wait = fullJitterDelay(attempt, options);
      await options.onRetry?.(err, attempt, wait);
      await delay(wait, options.signal);
    }
  }
}
