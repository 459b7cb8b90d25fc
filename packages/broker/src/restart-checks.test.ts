import type { BrokerRegistration, PartitionState, TopicDefinition } from '@runnel/metadata';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BrokerContext } from './broker-context.ts';
import { ClusterView } from './cluster-view.ts';
import { postRestartCheck, preRestartCheck } from './restart-checks.ts';

function context(brokerId: number, brokerEpoch: number, topics: Record<string, string>, partitions: PartitionState[]): BrokerContext {
  const view = new ClusterView(pino({ level: 'silent' }));
  for (const [name, minIsr] of Object.entries(topics)) {
    const topic: TopicDefinition = { name, topicId: 'id', partitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': minIsr }, assignments: [] };
    view.topics.set(name, { name, resourceVersion: '1', value: topic });
  }
  for (const p of partitions) view.partitions.set(`${p.topic}-${p.partition}`, { name: `${p.topic}-${p.partition}`, resourceVersion: '1', value: p });
  const self: BrokerRegistration = { id: brokerId, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch };
  view.brokers.set(String(brokerId), { name: String(brokerId), resourceVersion: '1', value: self });
  return { brokerId, view } as unknown as BrokerContext;
}

const partition = (topic: string, replicas: number[], isr: Array<[number, number]>, leader = isr[0]?.[0]): PartitionState => ({
  topic,
  partition: 0,
  topicId: 'id',
  holder: leader === undefined ? null : { id: leader, brokerEpoch: 1 },
  leaderEpoch: 1,
  partitionEpoch: 1,
  replicas,
  isr: isr.map(([id, brokerEpoch]) => ({ id, brokerEpoch })),
  epochStartOffset: 0,
  proposalId: null,
  handoverTo: null,
});

describe('PreRestartCheck', () => {
  it('is safe when every partition keeps min.insync.replicas without this broker, and counts its leaderships', () => {
    const ctx = context(1, 5, { a: '2' }, [partition('a', [1, 2, 3], [[1, 5], [2, 1], [3, 1]])]);
    expect(preRestartCheck(ctx)).toEqual({ safe: true, atRisk: [], leaderships: 1 });
  });

  it('names the partitions that would drop below min.insync.replicas or lose their last in-sync replica', () => {
    const ctx = context(1, 5, { a: '2', solo: '1', elsewhere: '1' }, [partition('a', [1, 2, 3], [[2, 1], [1, 5]]), partition('solo', [1], [[1, 5]]), partition('elsewhere', [2, 3], [[2, 1]]), partition('deleted', [1], [[1, 5]])]);
    const check = preRestartCheck(ctx);
    expect(check.safe).toBe(false);
    expect(check.atRisk.map((r) => [r.topic, r.reason])).toEqual([
      ['a', 'ISR 2 → 1 below min.insync.replicas 2'],
      ['solo', 'this broker is its last in-sync replica'],
    ]);
  });
});

describe('PostRestartCheck', () => {
  it('is caught up only when the current incarnation is in the ISR of every partition it replicates', () => {
    const behind = context(1, 6, { a: '1', b: '1' }, [partition('a', [1, 2], [[1, 5], [2, 1]]), partition('b', [2, 1], [[2, 1], [1, 6]])]);
    expect(postRestartCheck(behind)).toMatchObject({ caughtUp: false, partitions: 2, inSync: 1, lagging: [{ topic: 'a', reason: 'not in the ISR yet' }] });
    const back = context(1, 6, { a: '1' }, [partition('retained-of-deleted-topic', [1], [[1, 5]]), partition('a', [1, 2], [[1, 6], [2, 1]])]);
    expect(postRestartCheck(back)).toEqual({ caughtUp: true, partitions: 1, inSync: 1, lagging: [] });
  });
});
