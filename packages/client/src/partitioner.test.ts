import { describe, expect, it } from 'vitest';
import { DefaultPartitioner } from './partitioner.ts';

describe('DefaultPartitioner', () => {
  it('routes keyed records like the Java client (kafka-clients 3.9.1, 7 partitions)', () => {
    const p = new DefaultPartitioner();
    expect(p.partition('t', Buffer.from('1234'), 7)).toBe(0);
    expect(p.partition('t', Buffer.from('runnel'), 7)).toBe(1);
    expect(p.partition('t', Buffer.from('12'), 7)).toBe(4);
    expect(p.partition('t', Buffer.from(''), 7)).toBe(2);
  });

  it('keeps keyless records on one partition until its batch closes, then moves elsewhere', () => {
    const p = new DefaultPartitioner();
    const first = p.partition('t', null, 8);
    for (let i = 0; i < 100; i++) expect(p.partition('t', null, 8)).toBe(first);
    p.onBatchClosed('t', first, 8);
    const second = p.partition('t', null, 8);
    expect(second).not.toBe(first);
    for (let i = 0; i < 100; i++) expect(p.partition('t', null, 8)).toBe(second);
  });

  it('ignores a closed batch of a partition that is not the sticky one', () => {
    const p = new DefaultPartitioner();
    const sticky = p.partition('t', null, 4);
    p.onBatchClosed('t', (sticky + 1) % 4, 4);
    expect(p.partition('t', null, 4)).toBe(sticky);
  });

  it('sticks per topic and visits every partition over time', () => {
    const p = new DefaultPartitioner();
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) {
      const part = p.partition('a', null, 5);
      seen.add(part);
      p.onBatchClosed('a', part, 5);
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('stays on partition 0 of a single-partition topic', () => {
    const p = new DefaultPartitioner();
    expect(p.partition('one', null, 1)).toBe(0);
    p.onBatchClosed('one', 0, 1);
    expect(p.partition('one', null, 1)).toBe(0);
  });

  it('rejects a topic without partitions with a clear error', () => {
    expect(() => new DefaultPartitioner().partition('empty', null, 0)).toThrow(/topic empty: it has 0 partitions/);
  });
});
