import { describe, expect, it } from 'vitest';
import { mergeConditions, standardConditions, statusChanged } from './conditions.ts';

const t0 = new Date('2026-01-01T00:00:00.123Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('mergeConditions', () => {
  it('keeps lastTransitionTime while a status holds and moves it on a transition', () => {
    const first = mergeConditions(undefined, standardConditions({ ready: false, readyReason: 'BrokersStarting', readyMessage: '0 of 3 brokers ready' }), 1, t0);
    expect(first.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', observedGeneration: 1, lastTransitionTime: '2026-01-01T00:00:00Z' });
    const same = mergeConditions(first, standardConditions({ ready: false, readyReason: 'BrokersStarting', readyMessage: '1 of 3 brokers ready' }), 1, t1);
    expect(same.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    const ready = mergeConditions(same, standardConditions({ ready: true, readyReason: 'BrokersReady', readyMessage: '3 of 3 brokers ready' }), 2, t1);
    expect(ready.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', observedGeneration: 2, lastTransitionTime: '2026-01-01T00:05:00Z' });
  });
});

describe('statusChanged', () => {
  it('is false for a status equal in value (so nothing is written) and true for any changed field', () => {
    const conditions = mergeConditions(undefined, standardConditions({ ready: true, readyReason: 'R', readyMessage: 'm' }), 3, t0);
    const current = { partitions: 3, underReplicatedPartitions: 0, conditions, extra: 'kept by a merge patch' };
    expect(statusChanged(current, { partitions: 3, underReplicatedPartitions: 0, conditions: mergeConditions(conditions, standardConditions({ ready: true, readyReason: 'R', readyMessage: 'm' }), 3, t1) })).toBe(false);
    expect(statusChanged(current, { partitions: 3, underReplicatedPartitions: 1 })).toBe(true);
    expect(statusChanged(current, { conditions: mergeConditions(conditions, standardConditions({ ready: true, readyReason: 'R', readyMessage: 'other' }), 3, t1) })).toBe(true);
    expect(statusChanged(undefined, { partitions: 0 })).toBe(true);
  });
});
