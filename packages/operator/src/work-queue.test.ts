import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.ts';

/** A handler whose calls stay open until released, recording what ran and how many ran at once. */
function gatedHandler() {
  const calls: string[] = [];
  const gates: Array<() => void> = [];
  let running = 0;
  let maxRunning = 0;
  const handler = async (key: string): Promise<void> => {
    calls.push(key);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
  };
  const releaseAll = async (): Promise<void> => {
    while (gates.length > 0) {
      for (const g of gates.splice(0)) g();
      await delay(1);
    }
  };
  return { handler, calls, releaseAll, maxRunning: () => maxRunning };
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added while it waits', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 1 });
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/b');
    q.add('ns/b');
    expect(q.depth).toBe(1); // a runs, b waits once
    await h.releaseAll();
    await q.idle();
    expect(h.calls).toEqual(['ns/a', 'ns/b']);
  });

  it('never runs one key twice at once, and runs it again after a change that arrived while it ran', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 4 });
    q.add('ns/a');
    await delay(1);
    q.add('ns/a');
    q.add('ns/a');
    expect(q.active).toBe(1);
    await h.releaseAll();
    await q.idle();
    expect(h.calls).toEqual(['ns/a', 'ns/a']);
    expect(h.maxRunning()).toBe(1);
  });

  it('processes at most `concurrency` keys at a time', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 2 });
    for (let i = 0; i < 6; i++) q.add(`ns/k${i}`);
    await delay(1);
    expect(q.active).toBe(2);
    expect(q.depth).toBe(4);
    await h.releaseAll();
    await q.idle();
    expect(h.calls).toHaveLength(6);
    expect(h.maxRunning()).toBe(2);
  });

  it('retries a failing key with a per-key exponential backoff and resets it after a success', async () => {
    const timers: Array<{ key: string; ms: number; fire: () => void }> = [];
    let fail = 3;
    const q = new WorkQueue(
      () => (fail-- > 0 ? Promise.reject(new Error('API server unavailable')) : Promise.resolve()),
      { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999, setTimer: (fire, ms) => (timers.push({ key: 'ns/a', ms, fire }), {}) },
    );
    q.add('ns/a');
    for (const expected of [99, 199, 399]) {
      await q.idle();
      const timer = timers.shift();
      expect(timer?.ms).toBe(expected);
      expect(q.failures('ns/a')).toBe(timers.length + (expected === 99 ? 1 : expected === 199 ? 2 : 3));
      timer!.fire();
    }
    await q.idle();
    expect(q.failures('ns/a')).toBe(0);
    expect(timers).toHaveLength(0);
  });

  it('caps the backoff and keeps keys independent', () => {
    const q = new WorkQueue(() => Promise.resolve(), { baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999 });
    expect(q.backoffMs(1)).toBe(99);
    expect(q.backoffMs(4)).toBe(799);
    expect(q.backoffMs(5)).toBe(999);
    expect(q.backoffMs(50)).toBe(999);
  });

  it('a requeueAfter result polls the key again without counting a failure', async () => {
    const timers: number[] = [];
    const q = new WorkQueue(() => Promise.resolve({ requeueAfterMs: 5_000 }), { setTimer: (_fire, ms) => (timers.push(ms), {}) });
    q.add('ns/a');
    await q.idle();
    expect(timers).toEqual([5_000]);
    expect(q.failures('ns/a')).toBe(0);
  });

  it('stop() drops waiting keys and waits for the running ones', async () => {
    const h = gatedHandler();
    const q = new WorkQueue(h.handler, { concurrency: 1 });
    q.add('ns/a');
    q.add('ns/b');
    await delay(1);
    const stopped = q.stop();
    await h.releaseAll();
    await stopped;
    q.add('ns/c');
    expect(h.calls).toEqual(['ns/a']);
  });
});
