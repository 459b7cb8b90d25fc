import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignReplicas } from './assign-replicas.ts';

describe('assignReplicas', () => {
  it('spreads leaders round-robin from the start index', () => {
    expect(assignReplicas(6, 1, [1, 2, 3], { startIndex: 1, replicaShift: 0 })).toEqual([[2], [3], [1], [2], [3], [1]]);
  });

  it('places followers on other brokers and shifts them when partitions wrap around', () => {
    const a = assignReplicas(6, 2, [0, 1, 2], { startIndex: 0, replicaShift: 0 });
    expect(a).toEqual([
      [0, 1],
      [1, 2],
      [2, 0],
      [0, 2],
      [1, 0],
      [2, 1],
    ]);
  });

  it('is balanced and never repeats a broker within a partition (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 60 }), fc.nat(), fc.nat(), (brokers, partitions, s, r) => {
        const ids = Array.from({ length: brokers }, (_, i) => i * 10);
        const rf = 1 + (r % brokers);
        const a = assignReplicas(partitions, rf, ids, { startIndex: s % brokers, replicaShift: r % brokers });
        expect(a).toHaveLength(partitions);
        const leaders = new Map<number, number>();
        const replicas = new Map<number, number>();
        for (const list of a) {
          expect(list).toHaveLength(rf);
          expect(new Set(list).size).toBe(rf);
          leaders.set(list[0] as number, (leaders.get(list[0] as number) ?? 0) + 1);
          for (const b of list) replicas.set(b, (replicas.get(b) ?? 0) + 1);
        }
        const lc = ids.map((id) => leaders.get(id) ?? 0);
        expect(Math.max(...lc) - Math.min(...lc)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('rejects impossible requests', () => {
    expect(() => assignReplicas(0, 1, [0])).toThrow(/partitions must be >= 1/);
    expect(() => assignReplicas(3, 2, [0])).toThrow(/replication factor 2 needs 1..1 brokers/);
  });

  it('with racks, puts the replicas of a partition on different racks and still spreads leaders (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (rackCount, perRack, partitions, s, r) => {
        const ids = Array.from({ length: rackCount * perRack }, (_, i) => i);
        const racks = Object.fromEntries(ids.map((id) => [id, `zone-${id % rackCount}`]));
        const rf = 1 + (r % Math.min(3, ids.length));
        const a = assignReplicas(partitions, rf, ids, { startIndex: s % ids.length, replicaShift: r % ids.length, racks });
        expect(a).toHaveLength(partitions);
        const leaders = new Map<number, number>();
        for (const replicas of a) {
          expect(new Set(replicas).size).toBe(rf);
          // One replica per rack while there are racks left.
          expect(new Set(replicas.map((id) => racks[id])).size).toBe(Math.min(rf, rackCount));
          leaders.set(replicas[0]!, (leaders.get(replicas[0]!) ?? 0) + 1);
        }
        const counts = [...leaders.values()];
        if (partitions >= ids.length) expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { seed: 20261204 },
    );
  });

  it('with racks, the same rack-unaware result when every broker is in one rack', () => {
    const racks = { 0: 'a', 1: 'a', 2: 'a' };
    expect(assignReplicas(6, 2, [0, 1, 2], { startIndex: 0, replicaShift: 0, racks })).toEqual(assignReplicas(6, 2, [0, 1, 2], { startIndex: 0, replicaShift: 0 }));
  });
});
