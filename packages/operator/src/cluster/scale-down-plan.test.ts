import type { PartitionState } from '@runnel/metadata';
import { describe, expect, it } from 'vitest';
import { planScaleDown } from './scale-down-plan.ts';

const partition = (topic: string, p: number, replicas: number[], targetReplicas: number[] | null = null): PartitionState => ({
  topic,
  partition: p,
  topicId: `${topic}-id`,
  holder: { id: replicas[0]!, brokerEpoch: 1 },
  leaderEpoch: 1,
  partitionEpoch: 1,
  replicas,
  isr: replicas.map((id) => ({ id, brokerEpoch: 1 })),
  epochStartOffset: 0,
  proposalId: null,
  handoverTo: null,
  targetReplicas,
});

describe('planScaleDown', () => {
  it('asks nothing when no partition has a replica on a leaving broker', () => {
    expect(planScaleDown(2, [partition('t', 0, [0, 1]), partition('t', 1, [1, 0])])).toEqual({ impossible: [], moving: [], requests: [] });
  });

  it('keeps the surviving replicas first and fills the RF from the least loaded remaining broker', () => {
    // 3 → 2... of 4 brokers: broker 3 leaves. Broker 2 holds fewer replicas than 0 and 1.
    const plan = planScaleDown(3, [partition('t', 0, [3, 0]), partition('t', 1, [0, 1]), partition('t', 2, [1, 0]), partition('u', 0, [2, 3, 1])]);
    expect(plan.impossible).toEqual([]);
    expect(plan.moving).toEqual(['t-0', 'u-0']);
    expect(plan.requests).toEqual([
      { topic: 't', partition: 0, topicId: 't-id', target: [0, 2] },
      { topic: 'u', partition: 0, topicId: 'u-id', target: [2, 1, 0] },
    ]);
  });

  it('spreads new replicas over the remaining brokers (balance counts the moves planned so far)', () => {
    const parts = [0, 1, 2, 3].map((p) => partition('t', p, [3, p % 3]));
    const targets = planScaleDown(3, parts).requests.map((r) => r.target);
    const added = targets.map((t) => t[1]);
    // Each of brokers 0..2 gets new replicas; none gets them all.
    expect(new Set(added).size).toBe(3);
    for (const t of targets) expect(new Set(t).size).toBe(2);
  });

  it('prefers a broker on a rack the partition does not use yet', () => {
    const racks = { 0: 'a', 1: 'a', 2: 'b', 3: 'b' };
    // Broker 3 (rack b) leaves; the partition keeps 0 (rack a), so its new replica goes to rack b (broker 2), although broker 1 holds fewer replicas.
    const plan = planScaleDown(3, [partition('t', 0, [0, 3]), partition('x', 0, [2]), partition('x', 1, [2])], racks);
    expect(plan.requests).toEqual([{ topic: 't', partition: 0, topicId: 't-id', target: [0, 2] }]);
  });

  it('refuses when the remaining brokers cannot hold a partition’s replication factor', () => {
    const plan = planScaleDown(2, [partition('big', 0, [0, 1, 2]), partition('small', 0, [2, 0])]);
    expect(plan.impossible).toEqual(['big-0 (RF 3)']);
    expect(plan.moving).toEqual(['big-0', 'small-0']);
  });

  it('leaves a move in progress alone, and replaces a pending target that names a leaving broker', () => {
    const inProgress = partition('t', 0, [0, 2, 1], [0, 1]);
    const badTarget = partition('t', 1, [0, 1], [0, 2]);
    const plan = planScaleDown(2, [inProgress, badTarget]);
    expect(plan.moving).toEqual(['t-0', 't-1']);
    expect(plan.requests).toEqual([{ topic: 't', partition: 1, topicId: 't-id', target: [0, 1] }]);
  });
});
