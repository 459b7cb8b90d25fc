import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MemoryMetadataStore, provisionPartitions } from '@runnel/metadata';
import { RunnelError } from '@runnel/protocol';
import { systemClock } from './clock.ts';
import { InProcessReplicaNetwork } from './in-process-replica-transport.ts';
import { createReplicationNode } from './replication-node.ts';
import { FAST_REPLICATION_TIMING } from './replication-timing.ts';
import { batchOf } from './replication-test-cluster.ts';

describe('a partition whose log cannot be opened', () => {
  it('answers STORAGE_ERROR naming the cause, instead of NOT_LEADER', async () => {
    const store = await MemoryMetadataStore.open();
    const topic = `t-${randomUUID().slice(0, 8)}`;
    await store.topics.create(topic, { name: topic, topicId: randomUUID(), partitions: 1, replicationFactor: 1, configs: {}, assignments: [] });
    await provisionPartitions(store, topic, { brokers: [0] });
    const node = createReplicationNode({
      brokerId: 0,
      clock: systemClock,
      store,
      transport: new InProcessReplicaNetwork().transportFor(0),
      openLog: () => Promise.reject(new RunnelError('STORAGE_ERROR', 'segment 0 is corrupt at byte 12')),
      cleanStart: true,
      registration: { host: '127.0.0.1', port: 0, rack: '', brokerUuid: randomUUID() },
      timing: FAST_REPLICATION_TIMING,
    });
    await node.start();
    try {
      const err = await node.produce({ topic, partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('segment 0 is corrupt at byte 12') });
    } finally {
      node.crash();
      await store.close();
    }
  });
});
