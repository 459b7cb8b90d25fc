import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Assignor, AssignorMember } from './assignor.ts';
import { partitionKey, type PartitionKey } from './partition-key.ts';
import { rangeAssignor } from './range-assignor.ts';
import { uniformAssignor } from './uniform-assignor.ts';

function member(memberId: string, topics: string[], previous: PartitionKey[] = []): AssignorMember {
  return { memberId, topics: new Set(topics), previous: new Set(previous) };
}

function sizes(result: Map<string, Set<PartitionKey>>): number[] {
  return [...result.values()].map((s) => s.size);
}

function keys(topic: string, ...partitions: number[]): PartitionKey[] {
  return partitions.map((p) => partitionKey(topic, p));
}

describe.each([uniformAssignor, rangeAssignor])('assignor $name', (assignor: Assignor) => {
  it('gives every partition of a subscribed topic to exactly one subscribed member, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 1, max: 12 }), { minKeys: 1 }),
        fc.array(fc.subarray(['a', 'b', 'c', 'd', 'missing'], { minLength: 1 }), { minLength: 1, maxLength: 6 }),
        (topicCounts, subscriptions) => {
          const topics = new Map(Object.entries(topicCounts));
          const members = subscriptions.map((t, i) => member(`m${i}`, t));
          const result = assignor.assign({ members, topics });
          const seen = new Map<PartitionKey, string>();
          for (const [id, owned] of result) {
            const m = members.find((x) => x.memberId === id)!;
            for (const k of owned) {
              expect(seen.has(k)).toBe(false);
              seen.set(k, id);
              expect(m.topics.has(k.slice(0, k.lastIndexOf(':')))).toBe(true);
            }
          }
          for (const [topic, n] of topics) {
            const subscribed = members.some((m) => m.topics.has(topic));
            for (let p = 0; p < n; p++) expect(seen.has(partitionKey(topic, p))).toBe(subscribed);
          }
        },
      ),
      { seed: 848, numRuns: 200 },
    );
  });

  it('balances a homogeneous group to within one partition', () => {
    const topics = new Map([['t', 10]]);
    const result = assignor.assign({ topics, members: ['m1', 'm2', 'm3'].map((id) => member(id, ['t'])) });
    expect(sizes(result).sort()).toEqual([3, 3, 4]);
  });

  it('is sticky: when a member joins, the others keep what they had except what the newcomer needs', () => {
    const topics = new Map([['t', 6]]);
    const first = assignor.assign({ topics, members: ['m1', 'm2', 'm3'].map((id) => member(id, ['t'])) });
    const previous = (id: string): PartitionKey[] => [...(first.get(id) ?? [])];
    const second = assignor.assign({ topics, members: [member('m1', ['t'], previous('m1')), member('m2', ['t'], previous('m2')), member('m3', ['t'], previous('m3')), member('m4', ['t'])] });
    let moved = 0;
    for (const id of ['m1', 'm2', 'm3']) for (const k of first.get(id)!) if (!second.get(id)!.has(k)) moved++;
    expect(second.get('m4')!.size).toBe(1);
    expect(moved).toBe(1);
  });
});

describe('range assignor', () => {
  it('deals contiguous ranges to a fresh group, lined up across co-partitioned topics', () => {
    const topics = new Map([
      ['orders', 4],
      ['payments', 4],
    ]);
    const result = rangeAssignor.assign({ topics, members: [member('b', ['orders', 'payments']), member('a', ['orders', 'payments'])] });
    expect([...result.get('a')!].sort()).toEqual([...keys('orders', 0, 1), ...keys('payments', 0, 1)].sort());
    expect([...result.get('b')!].sort()).toEqual([...keys('orders', 2, 3), ...keys('payments', 2, 3)].sort());
  });
});

describe('uniform assignor', () => {
  it('balances members with different subscriptions as far as their subscriptions allow', () => {
    const topics = new Map([
      ['x', 6],
      ['y', 2],
    ]);
    const result = uniformAssignor.assign({ topics, members: [member('only-x', ['x']), member('both', ['x', 'y'])] });
    expect(result.get('only-x')!.size).toBe(4);
    expect(result.get('both')!.size).toBe(4);
    expect([...result.get('both')!].filter((k) => k.startsWith('y:'))).toHaveLength(2);
  });
});
