import { MemoryMetadataStore, initialPartitionState, type TopicDefinition } from '@runnel/metadata';
import { describe, expect, it } from 'vitest';
import { FirstReplicaLeadership } from './leadership.ts';
import type { PartitionReplica } from './partition-replica.ts';

const topic: TopicDefinition = { name: 'orders', topicId: crypto.randomUUID(), partitions: 2, replicationFactor: 1, configs: {}, assignments: [[1], [2]] };
// The driver reads only the log end offset of the replica.
const replicaAt = (logEndOffset: number) => ({ log: { logEndOffset } }) as unknown as PartitionReplica;

describe('FirstReplicaLeadership', () => {
  it('takes an unheld partition at epoch 0, keeps it in the same incarnation, re-takes it with epoch + 1 after a restart', async () => {
    const store = await MemoryMetadataStore.open();
    await store.partitions.create('orders-0', initialPartitionState(topic, 0));
    const first = new FirstReplicaLeadership({ brokerId: 1, brokerEpoch: 5, store });
    const claimed = await first.onPartition(replicaAt(0), (await store.partitions.get('orders-0'))!);
    expect(claimed).toMatchObject({ holder: { id: 1, brokerEpoch: 5 }, leaderEpoch: 0, isr: [{ id: 1, brokerEpoch: 5 }], epochStartOffset: 0 });
    expect((await store.partitions.get('orders-0'))?.value).toEqual(claimed);
    expect(await first.onPartition(replicaAt(3), (await store.partitions.get('orders-0'))!)).toBeUndefined();

    const restarted = new FirstReplicaLeadership({ brokerId: 1, brokerEpoch: 6, store });
    const again = await restarted.onPartition(replicaAt(42), (await store.partitions.get('orders-0'))!);
    expect(again).toMatchObject({ holder: { id: 1, brokerEpoch: 6 }, leaderEpoch: 1, epochStartOffset: 42 });
  });

  it('leaves other brokers\' partitions alone and treats a lost CAS as "someone else wrote first"', async () => {
    const store = await MemoryMetadataStore.open();
    await store.partitions.create('orders-1', initialPartitionState(topic, 1));
    const stale = (await store.partitions.get('orders-1'))!;
    expect(await new FirstReplicaLeadership({ brokerId: 1, brokerEpoch: 1, store }).onPartition(replicaAt(0), stale)).toBeUndefined();
    const owner = new FirstReplicaLeadership({ brokerId: 2, brokerEpoch: 1, store });
    await store.partitions.update('orders-1', { ...stale.value, partitionEpoch: 9 }, stale.resourceVersion);
    expect(await owner.onPartition(replicaAt(0), stale)).toBeUndefined();
    expect((await store.partitions.get('orders-1'))?.value.holder).toBeNull();
  });
});
