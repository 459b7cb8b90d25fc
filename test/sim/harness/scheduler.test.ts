/**
 * The simulation's own machinery: seeded randomness, the event scheduler (order, pause, kill,
 * livelock) and the virtual clock. A harness that is not deterministic cannot replay a seed.
 */
import { describe, expect, it } from 'vitest';
import { SimRandom } from './sim-random.ts';
import { SimProcess, SimScheduler } from './sim-scheduler.ts';
import { VirtualClock } from './virtual-clock.ts';
import { drive } from './settle.ts';
import { auditRealTimers } from './real-timer-audit.ts';

describe('SimRandom', () => {
  it('replays a seed and differs across seeds', () => {
    const draw = (seed: number): number[] => {
      const r = new SimRandom(seed);
      return Array.from({ length: 8 }, () => r.int(0, 1_000_000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    const r = new SimRandom(7);
    const ints = Array.from({ length: 2000 }, () => r.int(1, 6));
    expect(new Set(ints)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });

  it('rejects a seed that is not a non-negative integer', () => {
    expect(() => new SimRandom(-1)).toThrow(/Invalid simulation seed -1/);
    expect(() => new SimRandom(1.5)).toThrow(/Invalid simulation seed/);
  });
});

/** Schedules five events at one instant and three later; returns the order they ran in. */
async function order(seed: number): Promise<string[]> {
  const s = new SimScheduler(new SimRandom(seed));
  const ran: string[] = [];
  for (const name of ['a', 'b', 'c', 'd', 'e']) s.schedule(10, undefined, name, () => ran.push(name));
  s.schedule(5, undefined, 'early', () => ran.push('early'));
  s.schedule(20, undefined, 'late', () => ran.push('late'));
  await s.runFor(100);
  return ran;
}

describe('SimScheduler', () => {
  it('runs events in time order, same-instant events in a seeded order', async () => {
    const first = await order(1);
    expect(first[0]).toBe('early');
    expect(first.at(-1)).toBe('late');
    expect(await order(1)).toEqual(first);
    const orders = new Set<string>();
    for (let seed = 0; seed < 20; seed++) orders.add((await order(seed)).join(''));
    expect(orders.size).toBeGreaterThan(5);
  });

  it('holds a paused process\'s events until resume and drops a dead one\'s', async () => {
    const s = new SimScheduler(new SimRandom(3));
    const p = new SimProcess('broker-1', 1);
    const q = new SimProcess('broker-2', 1);
    const ran: Array<[string, number]> = [];
    s.schedule(10, p, 'p1', () => ran.push(['p1', s.now]));
    s.schedule(20, p, 'p2', () => ran.push(['p2', s.now]));
    s.schedule(10, q, 'q1', () => ran.push(['q1', s.now]));
    s.schedule(30, q, 'q2', () => ran.push(['q2', s.now]));
    s.pause(p);
    s.schedule(15, undefined, 'kill q', () => s.kill(q));
    await s.runFor(50);
    expect(ran).toEqual([['q1', 10]]);
    s.resume(p);
    await s.runFor(1);
    expect(ran).toEqual([['q1', 10], ['p1', 50], ['p2', 50]]);
  });

  it('surfaces an error thrown by an event', async () => {
    const s = new SimScheduler(new SimRandom(1));
    s.schedule(1, undefined, 'boom', () => {
      throw new Error('boom');
    });
    await expect(s.runFor(5)).rejects.toThrow('boom');
  });

  it('detects a livelock (events that never let time advance)', async () => {
    const s = new SimScheduler(new SimRandom(1), { maxEventsPerInstant: 100 });
    const loop = (): void => void s.schedule(0, undefined, 'spin', loop);
    loop();
    await expect(s.runFor(1)).rejects.toThrow(/livelock.*spin/);
  });
});

describe('VirtualClock', () => {
  it('sleeps in virtual time, aborts, and stops for a paused or dead process', async () => {
    const s = new SimScheduler(new SimRandom(5));
    const p = new SimProcess('broker-1', 1);
    const clock = new VirtualClock(s, p, { wallSkewMs: 1234 });
    expect(clock.wallNow() - clock.now()).toBe(Date.UTC(2026, 0, 1) + 1234);
    const slept = await drive(s, clock.sleep(1000).then(() => clock.now()));
    expect(slept).toEqual({ status: 'fulfilled', value: 1000 });

    const controller = new AbortController();
    const aborted = clock.sleep(500, controller.signal);
    s.schedule(100, undefined, 'abort', () => controller.abort(new Error('stop')));
    expect(await drive(s, aborted)).toMatchObject({ status: 'rejected', reason: new Error('stop') });
    expect(s.now).toBe(1100);

    s.pause(p);
    const paused = clock.sleep(100).then(() => clock.now());
    s.schedule(1000, undefined, 'resume', () => s.resume(p));
    expect(await drive(s, paused)).toEqual({ status: 'fulfilled', value: 2100 });

    s.kill(p);
    expect(await drive(s, clock.sleep(10), 1000)).toEqual({ status: 'pending' });
  });

  it('runs at its own rate: a fast clock sleeps less virtual time and reads more', async () => {
    const s = new SimScheduler(new SimRandom(5));
    const fast = new VirtualClock(s, new SimProcess('broker-1', 1), { rate: 1.25 });
    const t0 = fast.now();
    await drive(s, fast.sleep(1000));
    expect(s.now).toBe(800);
    expect(fast.now() - t0).toBe(1000);
    expect(() => new VirtualClock(s, new SimProcess('broker-2', 1), { rate: 0 })).toThrow(/Invalid clock rate 0/);
  });
});

describe('auditRealTimers', () => {
  it('counts real timers started during the audit, except ignored call sites, and restores the globals', () => {
    const original = globalThis.setTimeout;
    const end = auditRealTimers(/this-file-never-matches/);
    clearTimeout(setTimeout(() => undefined, 1));
    clearInterval(setInterval(() => undefined, 1000));
    const report = end();
    expect(report.count).toBe(2);
    expect(report.sites[0]).toContain('scheduler.test.ts');
    expect(globalThis.setTimeout).toBe(original);
    const ignoring = auditRealTimers(/scheduler\.test\.ts/);
    clearTimeout(setTimeout(() => undefined, 1));
    expect(ignoring().count).toBe(0);
  });
});
