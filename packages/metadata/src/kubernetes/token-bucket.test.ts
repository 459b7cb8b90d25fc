import { describe, expect, it } from 'vitest';
import { isMetadataStoreError } from '../errors.ts';
import { TokenBucket } from './token-bucket.ts';

describe('TokenBucket (client-side write limit)', () => {
  it('lets a burst through at once, then paces callers at the rate, first come first served', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 20, burst: 3, maxWaiters: 10 });
    const signal = AbortSignal.timeout(5_000);
    for (let i = 0; i < 3; i++) expect(await bucket.take(signal)).toBe(0);
    const started = performance.now();
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map(async (i) => {
      await bucket.take(signal);
      order.push(i);
    }));
    // Four more tokens at 20/s take ~200 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refuses a caller at once when the wait queue is full (bounded), and honours abort', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, maxWaiters: 1 });
    const controller = new AbortController();
    await bucket.take(controller.signal);
    const waiting = bucket.take(controller.signal);
    await expect(bucket.take(controller.signal)).rejects.toSatisfy((e) => isMetadataStoreError(e, 'UNAVAILABLE'));
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });

  it('rejects nonsensical settings', () => {
    expect(() => new TokenBucket({ ratePerSecond: 0, burst: 1, maxWaiters: 1 })).toThrow(/ratePerSecond 0 must be > 0/);
  });
});
