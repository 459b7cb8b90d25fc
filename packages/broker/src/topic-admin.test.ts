import { MemoryMetadataStore } from '@runnel/metadata';
import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { createTopic, deleteTopic, planTopic } from './topic-admin.ts';

function errorOf(fn: () => unknown): RunnelError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RunnelError) return err;
    throw err;
  }
  throw new Error('expected a RunnelError');
}

describe('planTopic', () => {
  it('plans a topic with a fresh id and balanced leaders', () => {
    const a = planTopic({ name: 'orders', partitions: 6, replicationFactor: 0, configs: { 'retention.ms': '1000' } }, [0, 1, 2]);
    const b = planTopic({ name: 'orders', partitions: 6, replicationFactor: 1, configs: {} }, [0, 1, 2]);
    expect(a.topicId).not.toBe(b.topicId);
    expect(a.replicationFactor).toBe(1);
    expect(a.configs).toEqual({ 'retention.ms': '1000' });
    const leaders = a.assignments.map((r) => r[0]);
    for (const id of [0, 1, 2]) expect(leaders.filter((l) => l === id)).toHaveLength(2);
  });

  it('names what is wrong', () => {
    const plan = (over: Partial<Parameters<typeof planTopic>[0]>, brokers = [0, 1]) =>
      errorOf(() => planTopic({ name: 't', partitions: 1, replicationFactor: 1, configs: {}, ...over }, brokers));
    expect(plan({ name: '..' })).toMatchObject({ code: 'INVALID_TOPIC_NAME' });
    expect(plan({ partitions: 0 })).toMatchObject({ code: 'INVALID_PARTITIONS', message: expect.stringContaining('with 0 partitions: expected 1..10000') });
    expect(plan({ partitions: 1.5 })).toMatchObject({ code: 'INVALID_PARTITIONS' });
    expect(plan({ replicationFactor: -1 })).toMatchObject({ code: 'INVALID_REPLICATION_FACTOR', message: expect.stringContaining('at least 1') });
    expect(plan({ replicationFactor: 3 })).toMatchObject({ code: 'INVALID_REPLICATION_FACTOR', message: expect.stringContaining('only 2 broker(s)') });
    // RF is limited only by the number of brokers: every broker replicates.
    expect(planTopic({ name: 't', partitions: 1, replicationFactor: 2, configs: {} }, [0, 1]).assignments[0]).toHaveLength(2);
    expect(plan({ configs: { 'segment.bytes': '12' } })).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('segment.bytes') });
    expect(plan({ configs: { 'cleanup.policy': 'shred' } })).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('cleanup.policy') });
    expect(plan({ configs: { colour: 'blue' } })).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('unknown config key "colour"') });
    expect(plan({ configs: { 'min.insync.replicas': '2' } })).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('min.insync.replicas') });
  });
});

describe('createTopic / deleteTopic', () => {
  it('writes the topic and one unheld partition record per partition, and deletes them all', async () => {
    const store = await MemoryMetadataStore.open();
    const topic = planTopic({ name: 'payments', partitions: 3, replicationFactor: 1, configs: {} }, [4, 5]);
    await createTopic(store, topic);
    const partitions = (await store.partitions.list()).items.map((i) => i.value);
    expect(partitions.map((p) => [p.partition, p.holder, p.leaderEpoch, p.topicId])).toEqual([
      [0, null, -1, topic.topicId],
      [1, null, -1, topic.topicId],
      [2, null, -1, topic.topicId],
    ]);
    await expect(createTopic(store, { ...topic, topicId: crypto.randomUUID() })).rejects.toMatchObject({ code: 'TOPIC_ALREADY_EXISTS' });
    await deleteTopic(store, 'payments');
    expect((await store.topics.list()).items).toEqual([]);
    expect((await store.partitions.list()).items).toEqual([]);
    await expect(deleteTopic(store, 'payments')).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    await expect(deleteTopic(store, 'a b')).rejects.toMatchObject({ code: 'INVALID_TOPIC_NAME' });
  });

  it('writes the partition records of a large topic several at a time (one store commit for many), all of them', async () => {
    const store = await MemoryMetadataStore.open();
    let inFlight = 0;
    let maxInFlight = 0;
    const partitions = Object.create(store.partitions) as typeof store.partitions;
    partitions.create = async (...args: Parameters<typeof store.partitions.create>) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await new Promise((r) => setImmediate(r));
        return await store.partitions.create(...args);
      } finally {
        inFlight--;
      }
    };
    const topic = planTopic({ name: 'wide', partitions: 200, replicationFactor: 1, configs: {} }, [0]);
    await createTopic(Object.assign(Object.create(store) as typeof store, { partitions }), topic);
    const created = (await store.partitions.list()).items.map((i) => i.value.partition).sort((a, b) => a - b);
    expect(created).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('fails with the store\'s error when a partition record cannot be written', async () => {
    const store = await MemoryMetadataStore.open();
    const partitions = Object.create(store.partitions) as typeof store.partitions;
    partitions.create = (...args: Parameters<typeof store.partitions.create>) =>
      args[0] === 'broken-7' ? Promise.reject(new Error('store unavailable while writing broken-7')) : store.partitions.create(...args);
    const topic = planTopic({ name: 'broken', partitions: 50, replicationFactor: 1, configs: {} }, [0]);
    await expect(createTopic(Object.assign(Object.create(store) as typeof store, { partitions }), topic)).rejects.toThrow('store unavailable while writing broken-7');
  });
});
