import { describe, expect, it } from 'vitest';
import type { ProducerRecord } from '@runnel/protocol';
import { RecordAccumulator } from './record-accumulator.ts';
import type { ProducerBatch, RecordMetadata } from './producer-batch.ts';

function record(value: string, key: string | null = null): ProducerRecord {
  return { key: key === null ? null : Buffer.from(key), value: Buffer.from(value), timestamp: 1000 };
}

function setup(options: { batchSize?: number; lingerMs?: number } = {}) {
  let now = 0;
  const closed: Array<[string, number]> = [];
  const acc = new RecordAccumulator({
    batchSize: options.batchSize ?? 1024,
    lingerMs: options.lingerMs ?? 5,
    now: () => now,
    onBatchClosed: (t, p) => closed.push([t, p]),
  });
  const results: RecordMetadata[][] = [];
  const errors: Error[] = [];
  const add = (topic: string, partition: number, r: ProducerRecord): void =>
    acc.append(topic, partition, [r], (m) => results.push(m), (e) => errors.push(e));
  const drainAll = (force = false): ProducerBatch[] => acc.drain(() => true, force).batches;
  return { acc, add, drainAll, closed, results, errors, advance: (ms: number) => (now += ms) };
}

describe('RecordAccumulator', () => {
  it('holds a partial batch for lingerMs, then releases it', () => {
    const { acc, add, advance } = setup({ lingerMs: 5 });
    add('t', 0, record('a'));
    add('t', 0, record('b'));
    const first = acc.drain(() => true);
    expect(first.batches).toEqual([]);
    expect(first.nextReadyInMs).toBe(5);
    advance(4);
    expect(acc.drain(() => true).batches).toEqual([]);
    advance(1);
    const [batch] = acc.drain(() => true).batches;
    expect(batch?.records.map((r) => r.value?.toString())).toEqual(['a', 'b']);
  });

  it('releases a batch as soon as batchSize is reached, without waiting for linger', () => {
    const { add, drainAll, closed } = setup({ batchSize: 200, lingerMs: 10_000 });
    for (let i = 0; i < 10; i++) add('t', 3, record('x'.repeat(40)));
    const batches = drainAll();
    // 61 header + n * (21 + 40) >= 200 after 3 records => batches of 2 (a 3rd would exceed 200).
    expect(batches.length).toBeGreaterThanOrEqual(4);
    expect(batches.flatMap((b) => b.records).length).toBeLessThan(10); // the last, partial batch lingers
    for (const b of batches) expect(b.partition).toBe(3);
    expect(closed.length).toBeGreaterThan(0);
  });

  it('gives a record larger than batchSize a batch of its own', () => {
    const { add, drainAll } = setup({ batchSize: 100, lingerMs: 0 });
    add('t', 0, record('small'));
    add('t', 0, record('L'.repeat(500)));
    add('t', 0, record('tail'));
    const batches = drainAll();
    expect(batches.map((b) => b.records.map((r) => r.value!.length))).toEqual([[5], [500], [4]]);
  });

  it('keeps partitions separate and each in append order', () => {
    const { add, drainAll } = setup({ lingerMs: 0 });
    add('t', 0, record('a0'));
    add('t', 1, record('b0'));
    add('u', 0, record('c0'));
    add('t', 0, record('a1'));
    const byPartition = new Map(drainAll().map((b) => [`${b.topic}-${b.partition}`, b.records.map((r) => r.value!.toString())]));
    expect(Object.fromEntries(byPartition)).toEqual({ 't-0': ['a0', 'a1'], 't-1': ['b0'], 'u-0': ['c0'] });
  });

  it('splits one multi-record append across batches of batchSize and resolves it once, in order', () => {
    const { acc, drainAll } = setup({ batchSize: 200, lingerMs: 0 });
    const got: number[][] = [];
    const records = Array.from({ length: 10 }, (_, i) => record(String(i).repeat(40)));
    acc.append('t', 0, records, (m) => got.push(m.map((x) => x.offset)), () => undefined);
    const batches = drainAll();
    expect(batches.length).toBe(5); // 61 + 2 * 61 = 183 <= 200 < 244
    expect(batches.flatMap((b) => b.records)).toEqual(records);
    let offset = 100;
    for (const b of batches.reverse()) {
      // Completing out of order still resolves once with every offset in record order.
      b.complete(100 + batches.length * 2 - 2 - (offset - 100), -1);
      offset += 2;
    }
    expect(got).toHaveLength(1);
    expect(got[0]).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
  });

  it('flush makes lingering batches ready immediately', () => {
    const { acc, add, drainAll } = setup({ lingerMs: 60_000 });
    add('t', 0, record('a'));
    expect(drainAll()).toHaveLength(0);
    acc.beginFlush();
    expect(drainAll()).toHaveLength(1);
    acc.endFlush();
  });

  it('stops a partition at a refused batch so later batches cannot overtake it', () => {
    const { acc, add } = setup({ batchSize: 90, lingerMs: 0 });
    add('t', 0, record('1'.repeat(20)));
    add('t', 0, record('2'.repeat(20)));
    let accepted = 0;
    const { batches } = acc.drain(() => accepted++ < 0);
    expect(batches).toHaveLength(0);
    expect(acc.drain(() => true).batches.map((b) => b.records[0]!.value![0])).toEqual([0x31, 0x32]);
  });

  it('re-queues a failed batch ahead of younger ones, after its back-off, once in-flight batches settle', () => {
    const { acc, add, advance } = setup({ batchSize: 90, lingerMs: 0 });
    add('t', 0, record('1'.repeat(20)));
    add('t', 0, record('2'.repeat(20)));
    const [b1, b2] = acc.drain(() => true).batches;
    add('t', 0, record('3'.repeat(20)));
    acc.requeue(b1!, 100);
    // b2 is still in flight: the partition is muted, nothing leaves.
    expect(acc.drain(() => true).batches).toHaveLength(0);
    acc.requeue(b2!, 100);
    expect(acc.drain(() => true).batches).toHaveLength(0); // back-off
    advance(100);
    const order = acc.drain(() => true).batches.map((b) => b.records[0]!.value!.toString()[0]);
    expect(order).toEqual(['1', '2', '3']);
  });

  it('completes sends with dense offsets and per-record timestamps', () => {
    const { add, drainAll, results } = setup({ lingerMs: 0 });
    add('t', 2, record('a'));
    add('t', 2, { key: null, value: Buffer.from('b'), timestamp: 2000 });
    const [batch] = drainAll();
    batch!.complete(40, -1);
    expect(results).toEqual([
      [{ topic: 't', partition: 2, offset: 40, timestamp: 1000 }],
      [{ topic: 't', partition: 2, offset: 41, timestamp: 2000 }],
    ]);
  });

  it('uses the log append time when the broker returns one, and fails every send of a failed batch', () => {
    const { add, drainAll, results, errors } = setup({ lingerMs: 0 });
    add('t', 0, record('a'));
    add('t', 1, record('b'));
    const [b0, b1] = drainAll();
    b0!.complete(7, 5555);
    b1!.fail(new Error('boom'));
    b1!.complete(1, -1); // settles only once
    expect(results).toEqual([[{ topic: 't', partition: 0, offset: 7, timestamp: 5555 }]]);
    expect(errors.map((e) => e.message)).toEqual(['boom']);
  });

  it('rejects nonsensical options with errors naming them', () => {
    expect(() => new RecordAccumulator({ batchSize: 0, lingerMs: 0 })).toThrow(/batchSize must be > 0/);
    expect(() => new RecordAccumulator({ batchSize: 1, lingerMs: -1 })).toThrow(/lingerMs must be >= 0/);
  });
});
