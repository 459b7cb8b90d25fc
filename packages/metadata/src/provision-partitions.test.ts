import { describe, expect, it } from 'vitest';
import { isMetadataStoreError } from './errors.ts';
import { MemoryMetadataStore } from './memory-metadata-store.ts';
import { provisionPartitions } from './provision-partitions.ts';
import { brokerRegistrationName, electFirstLeader, initialPartitionState, partitionStateName, type BrokerRegistration, type TopicDefinition } from './topic-model.ts';

function declared(name: string, partitions: number, replicationFactor: number): TopicDefinition {
  // As a user declares it (kubectl apply): no topicId, no assignments yet.
  return { name, topicId: '', partitions, replicationFactor, configs: {}, assignments: [] };
}

describe('provisionPartitions', () => {
  it('assigns a topicId and balanced replicas, and creates leaderless partition records', async () => {
    const store = await MemoryMetadataStore.open();
    await store.topics.create('orders', declared('orders', 6, 3));
    const result = await provisionPartitions(store, 'orders', { brokers: [0, 1, 2] });
    expect(result.topic.value.topicId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.created).toHaveLength(6);
    const assignments = result.topic.value.assignments;
    // Leaders round-robin: each broker leads two of the six partitions; replicas are distinct.
    expect([0, 1, 2].map((b) => assignments.filter((a) => a[0] === b).length)).toEqual([2, 2, 2]);
    for (const replicas of assignments) expect(new Set(replicas).size).toBe(3);
    const p2 = await store.partitions.get(partitionStateName('orders', 2));
    expect(p2?.value).toMatchObject({ topicId: result.topic.value.topicId, holder: null, leaderEpoch: -1, replicas: assignments[2], isr: [] });
  });

  it('is idempotent and never touches an existing record, also when the topic grows', async () => {
    const store = await MemoryMetadataStore.open();
    await store.topics.create('t', declared('t', 2, 2));
    const first = await provisionPartitions(store, 't', { brokers: [0, 1, 2] });
    const p0 = (await store.partitions.get(partitionStateName('t', 0)))!;
    const led = await store.partitions.update(p0.name, { ...p0.value, holder: { id: p0.value.replicas[0] as number, brokerEpoch: 1 }, leaderEpoch: 0, isr: [{ id: p0.value.replicas[0] as number, brokerEpoch: 1 }] }, p0.resourceVersion);
    const again = await provisionPartitions(store, 't', { brokers: [0, 1, 2] });
    expect(again.created).toEqual([]);
    expect(again.topic.resourceVersion).toBe(first.topic.resourceVersion);
    await store.topics.update('t', { ...again.topic.value, partitions: 5 }, again.topic.resourceVersion);
    const grown = await provisionPartitions(store, 't', { brokers: [0, 1, 2] });
    expect(grown.created).toEqual([2, 3, 4].map((p) => partitionStateName('t', p)));
    expect(grown.existing).toEqual([0, 1].map((p) => partitionStateName('t', p)));
    expect(grown.topic.value.assignments.slice(0, 2)).toEqual(first.topic.value.assignments);
    expect(grown.topic.value.topicId).toBe(first.topic.value.topicId);
    // Growth continues partition 0's leader round-robin.
    const leaders = grown.topic.value.assignments.map((a) => a[0] as number);
    for (let p = 1; p < 5; p++) expect(leaders[p]).toBe([0, 1, 2][([0, 1, 2].indexOf(leaders[0] as number) + p) % 3]);
    expect(await store.partitions.get(p0.name)).toEqual(led);
  });

  it('retries the topic CAS after a concurrent writer and still converges to one assignment', async () => {
    const store = await MemoryMetadataStore.open();
    await store.topics.create('race', declared('race', 4, 2));
    const [a, b] = await Promise.all([provisionPartitions(store, 'race', { brokers: [0, 1, 2] }), provisionPartitions(store, 'race', { brokers: [0, 1, 2] })]);
    expect(a.topic.value.topicId).toBe(b.topic.value.topicId);
    expect(a.topic.value.assignments).toEqual(b.topic.value.assignments);
    expect([...a.created, ...b.created].sort()).toEqual([0, 1, 2, 3].map((p) => partitionStateName('race', p)));
  });

  it('refuses a missing topic and a replication factor larger than the broker count', async () => {
    const store = await MemoryMetadataStore.open();
    await expect(provisionPartitions(store, 'nope', { brokers: [0] })).rejects.toSatisfy((e) => isMetadataStoreError(e, 'NOT_FOUND'));
    await store.topics.create('big', declared('big', 1, 3));
    await expect(provisionPartitions(store, 'big', { brokers: [0, 1] })).rejects.toThrow(/replication factor 3 needs at least 3 brokers, there are 2/);
    expect(await store.partitions.list()).toMatchObject({ items: [] });
  });

  it('creates each record with its first election when replicas are live: the first live replica leads, every live replica is in the ISR', async () => {
    const store = await MemoryMetadataStore.open();
    const register = (id: number, brokerEpoch: number, released = false): Promise<unknown> =>
      store.brokers.create(brokerRegistrationName(id), { id, host: 'h', port: 1, rack: '', brokerUuid: `u${id}`, brokerEpoch, ...(released ? { released } : {}) } satisfies BrokerRegistration);
    await register(0, 4, true); // cleanly shut down: not live
    await register(1, 7);
    await register(2, 9);
    await store.topics.create('led', declared('led', 3, 3));
    const result = await provisionPartitions(store, 'led', { brokers: [0, 1, 2], placement: { startIndex: 0, replicaShift: 0 } });
    expect(result.led).toBe(3);
    for (let p = 0; p < 3; p++) {
      const state = (await store.partitions.get(partitionStateName('led', p)))!.value;
      const liveReplicas = state.replicas.filter((id) => id !== 0);
      expect(state.holder).toEqual({ id: liveReplicas[0], brokerEpoch: liveReplicas[0] === 1 ? 7 : 9 });
      expect(state.isr).toEqual(liveReplicas.map((id) => ({ id, brokerEpoch: id === 1 ? 7 : 9 })));
      expect(state).toMatchObject({ leaderEpoch: 0, partitionEpoch: 0, epochStartOffset: 0, handoverTo: null });
      expect(state.proposalId).toEqual(expect.any(String));
    }
  });

  it('creates leaderless records when no replica is live (an explicit empty live set, as before any broker starts)', async () => {
    const store = await MemoryMetadataStore.open();
    await store.brokers.create('1', { id: 1, host: 'h', port: 1, rack: '', brokerUuid: 'u', brokerEpoch: 1 });
    await store.topics.create('cold', declared('cold', 2, 1));
    const result = await provisionPartitions(store, 'cold', { brokers: [0, 1], live: new Map() });
    expect(result.led).toBe(0);
    for (const name of result.created) expect((await store.partitions.get(name))?.value).toMatchObject({ holder: null, leaderEpoch: -1, isr: [] });
  });
});

describe('electFirstLeader', () => {
  const topic: TopicDefinition = { name: 't', topicId: 'id', partitions: 1, replicationFactor: 3, configs: {}, assignments: [[2, 0, 1]] };

  it('names the first live replica in replica order and keeps the state leaderless when none is live', () => {
    const fresh = initialPartitionState(topic, 0);
    expect(electFirstLeader(fresh, new Map([[1, 3], [0, 5]]), 'p1')).toMatchObject({ holder: { id: 0, brokerEpoch: 5 }, isr: [{ id: 0, brokerEpoch: 5 }, { id: 1, brokerEpoch: 3 }], leaderEpoch: 0, proposalId: 'p1' });
    expect(electFirstLeader(fresh, new Map([[7, 1]]), 'p2')).toBe(fresh);
  });

  it('refuses a state that already had an election, naming the partition', () => {
    const led = electFirstLeader(initialPartitionState(topic, 0), new Map([[2, 1]]), 'p');
    expect(() => electFirstLeader(led, new Map([[0, 1]]), 'q')).toThrow(/Partition t-0 already had an election \(leader epoch 0\)/);
  });
});
