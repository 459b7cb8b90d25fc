import { afterEach, describe, expect, it, vi } from 'vitest';
import { fullJitterDelay, retry } from './retry.ts';

describe('fullJitterDelay', () => {
  it('stays within [0, cap) where the cap grows exponentially up to maxDelayMs', () => {
    const opts = { minDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
    const caps = [100, 200, 400, 800, 1000, 1000];
    caps.forEach((cap, i) => {
      expect(fullJitterDelay(i + 1, { ...opts, random: () => 0 })).toBe(0);
      expect(fullJitterDelay(i + 1, { ...opts, random: () => 0.999999 })).toBe(cap - 1);
    });
    for (let i = 0; i < 1000; i++) {
      const d = fullJitterDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(400);
    }
  });

  it('spreads delays (jitter is real, not a constant)', () => {
    const seen = new Set(Array.from({ length: 200 }, () => fullJitterDelay(4)));
    expect(seen.size).toBeGreaterThan(50);
  });
});

describe('retry', () => {
  afterEach(() => vi.useRealTimers());

  it('retries until success and returns the value', async () => {
    let calls = 0;
    const result = await retry(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(new Error(`transient ${calls}`)) : Promise.resolve('ok');
      },
      { minDelayMs: 1, maxDelayMs: 2 },
    );
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('rethrows the last error after maxAttempts', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
          return Promise.reject(new Error(`fail ${calls}`));
        },
        { maxAttempts: 3, minDelayMs: 1 },
      ),
    ).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('does not retry a non-retriable error', async () => {
    let calls = 0;
    const fatal = Object.assign(new Error('fatal'), { retriable: false });
    await expect(
      retry(
        () => {
          calls++;
          return Promise.reject(fatal);
        },
        { isRetriable: (e) => (e as { retriable?: boolean }).retriable !== false },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('waits the jittered delay between attempts and reports it to onRetry', async () => {
    vi.useFakeTimers();
    const delays: number[] = [];
    let calls = 0;
    const p = retry(
      () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('once')) : Promise.resolve(calls);
      },
      { minDelayMs: 1000, random: () => 0.5, onRetry: (_e, _a, d) => void delays.push(d) },
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(p).resolves.toBe(2);
    expect(delays).toEqual([500]);
  });

  it('stops waiting when the signal aborts, rejecting with its reason', async () => {
    const controller = new AbortController();
    const p = retry(
      () => Promise.reject(new Error('down')),
      { maxAttempts: 100, minDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.99, signal: controller.signal },
    );
    const reason = new Error('shutting down');
    setImmediate(() => controller.abort(reason));
    await expect(p).rejects.toBe(reason);
  });

  it('rejects bad maxAttempts with a clear error', async () => {
    await expect(retry(() => Promise.resolve(1), { maxAttempts: 0 })).rejects.toThrow(/maxAttempts must be an integer >= 1, got 0/);
  });
});
