import type { PartitionState } from '@runnel/metadata';
import { describe, expect, it } from 'vitest';
import type { BrokerPod } from './broker-pods.ts';
import { planRoll, replicasOnRemovedBrokers } from './roll-plan.ts';

const pod = (id: number, over: Partial<BrokerPod> = {}): BrokerPod => ({ id, name: `main-${id}`, ready: true, terminating: false, updated: false, nodeName: 'n', podIP: '10.0.0.1', ...over });
const partition = (topic: string, p: number, replicas: number[], isr = replicas): PartitionState => ({
  topic,
  partition: p,
  topicId: 'id',
  holder: isr.length > 0 ? { id: isr[0]!, brokerEpoch: 1 } : null,
  leaderEpoch: 1,
  partitionEpoch: 1,
  replicas,
  isr: isr.map((id) => ({ id, brokerEpoch: 1 })),
  epochStartOffset: 0,
  proposalId: null,
  handoverTo: null,
});

describe('planRoll', () => {
  it('does nothing when every pod runs the current template', () => {
    expect(planRoll([pod(0, { updated: true })], 1, [], () => 1)).toEqual({ action: 'none' });
  });

  it('restarts the highest outdated broker when every partition keeps minISR without it', () => {
    const step = planRoll([pod(0), pod(1), pod(2)], 3, [partition('t', 0, [0, 1, 2]), partition('t', 1, [1, 2, 0])], () => 2);
    expect(step).toMatchObject({ action: 'restart', broker: { id: 2 } });
  });

  it('waits while a broker pod is not Ready, naming it', () => {
    const step = planRoll([pod(0), pod(1, { updated: true, ready: false }), pod(2)], 3, [], () => 1);
    expect(step).toMatchObject({ action: 'wait', reason: 'WaitingForBrokers' });
    expect(step.action === 'wait' && step.message).toContain('main-1');
  });

  it('waits until the restarted broker is back in every ISR it belongs to', () => {
    const step = planRoll([pod(0), pod(1), pod(2, { updated: true })], 3, [partition('t', 0, [0, 1, 2], [0, 1])], () => 1);
    expect(step).toMatchObject({ action: 'wait', reason: 'WaitingForIsr' });
    expect(step.action === 'wait' && step.message).toContain('t-0 (broker 2)');
  });

  it('does not count an ISR entry of the previous incarnation of a restarted broker', () => {
    const epochs = new Map([[0, 1], [1, 1], [2, 2]]);
    const step = planRoll([pod(0), pod(1), pod(2, { updated: true })], 3, [partition('t', 0, [0, 1, 2])], () => 1, epochs);
    expect(step).toMatchObject({ action: 'wait', reason: 'WaitingForIsr' });
  });

  it('skips a broker whose restart would break minISR and takes another one', () => {
    // Topic a (RF 2, minISR 2) lives on brokers 1 and 2; broker 0 can go.
    const step = planRoll([pod(0), pod(1), pod(2)], 3, [partition('a', 0, [1, 2]), partition('b', 0, [0, 1, 2])], (t) => (t === 'a' ? 2 : 1));
    expect(step).toMatchObject({ action: 'restart', broker: { id: 0 } });
  });

  it('waits, and says what to change, when no broker can go without breaking minISR or losing the last replica', () => {
    const step = planRoll([pod(0), pod(1)], 2, [partition('solo', 0, [0]), partition('pair', 0, [1, 0])], (t) => (t === 'pair' ? 2 : 1));
    expect(step).toMatchObject({ action: 'wait', reason: 'RestartWouldBreakMinIsr' });
    expect(step.action === 'wait' && step.message).toMatch(/solo-0 .*ISR 1 → 0/);
  });
});

describe('replicasOnRemovedBrokers', () => {
  it('lists the partitions with a replica on a broker a scale-down would remove', () => {
    expect(replicasOnRemovedBrokers(2, [partition('t', 0, [0, 1]), partition('t', 1, [2, 0]), partition('u', 0, [1, 2])])).toEqual(['t-1', 'u-0']);
    expect(replicasOnRemovedBrokers(3, [partition('t', 1, [2, 0])])).toEqual([]);
  });
});
