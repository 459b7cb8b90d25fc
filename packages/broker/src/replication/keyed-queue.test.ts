import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.ts';

/** A promise with its resolve function. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('KeyedQueue', () => {
  it('runs tasks of different keys at the same time, up to the limit', async () => {
    const q = new KeyedQueue(2, () => undefined);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    await q.submit('a', async () => { started.push(0); await gates[0]!.promise; });
    await q.submit('b', async () => { started.push(1); await gates[1]!.promise; });
    let thirdAdmitted = false;
    const third = q.submit('c', async () => { started.push(2); await gates[2]!.promise; }).then(() => { thirdAdmitted = true; });
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(thirdAdmitted).toBe(false);
    gates[1]!.resolve();
    await third;
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[2]!.resolve();
    await q.idle();
    expect(q.pending).toBe(0);
  });

  it('runs the tasks of one key one at a time, in submission order', async () => {
    const q = new KeyedQueue(8, () => undefined);
    const gate = deferred();
    const order: string[] = [];
    await q.submit('p', async () => { await gate.promise; order.push('first'); });
    await q.submit('p', () => { order.push('second'); return Promise.resolve(); });
    await q.submit('q', () => { order.push('other key'); return Promise.resolve(); });
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['other key']);
    gate.resolve();
    await q.idle();
    expect(order).toEqual(['other key', 'first', 'second']);
  });

  it('reports a failed task and goes on with the next of its key', async () => {
    const errors: Array<[string, unknown]> = [];
    const q = new KeyedQueue(1, (key, err) => errors.push([key, err]));
    const ran: string[] = [];
    await q.submit('p', () => Promise.reject(new Error('disk on fire')));
    await q.submit('p', () => { ran.push('after'); return Promise.resolve(); });
    await q.idle();
    expect(ran).toEqual(['after']);
    expect(errors).toHaveLength(1);
    expect(errors[0]![0]).toBe('p');
    expect(String(errors[0]![1])).toContain('disk on fire');
  });

  it('refuses a limit that is not a positive integer, naming it', () => {
    expect(() => new KeyedQueue(0, () => undefined)).toThrow(/limit must be a positive integer, got 0/);
    expect(() => new KeyedQueue(1.5, () => undefined)).toThrow(/got 1.5/);
  });
});
