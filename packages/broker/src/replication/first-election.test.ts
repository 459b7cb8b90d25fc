import { afterEach, describe, expect, it } from 'vitest';
import { MemoryMetadataStore, partitionStateName, type MetadataStore, type PartitionState } from '@runnel/metadata';
import { FAST_REPLICATION_TIMING } from './replication-timing.ts';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';

/** The memory store, counting every write to a partition record by kind. */
function countingStore(inner: MetadataStore): { store: MetadataStore; writes: { create: number; update: number } } {
  const writes = { create: 0, update: 0 };
  const partitions = inner.partitions;
  const store: MetadataStore = {
    kind: inner.kind,
    topics: inner.topics,
    brokers: inner.brokers,
    close: () => inner.close(),
    partitions: {
      list: () => partitions.list(),
      get: (name) => partitions.get(name),
      create: (name, value) => {
        writes.create++;
        return partitions.create(name, value);
      },
      update: (name, value, rv) => {
        writes.update++;
        return partitions.update(name, value, rv);
      },
      delete: (name, options) => partitions.delete(name, options),
      watch: (options) => partitions.watch(options),
    },
  };
  return { store, writes };
}

// Lag shrinks would be writes too; a long lag bound keeps them out of the exact counts on a slow machine.
const timing = { ...FAST_REPLICATION_TIMING, replicaLagMaxMs: 30_000 };

async function stateOf(c: ReplicationTestCluster, topic: string, p: number): Promise<PartitionState> {
  const v = await c.store.partitions.get(partitionStateName(topic, p));
  if (v === undefined) throw new Error(`no record for ${topic}-${p}`);
  return v.value;
}

function brokerEpochOf(c: ReplicationTestCluster, id: number): number {
  const epoch = c.nodes.get(id)?.brokerEpoch;
  if (epoch === undefined) throw new Error(`broker ${id} is not running`);
  return epoch;
}

describe('a partition created while its replicas are live (first election in the create)', () => {
  let cluster: ReplicationTestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('is led after exactly one store write per partition, with every live replica in its ISR, and takes acks=all writes at once', async () => {
    const counting = countingStore(await MemoryMetadataStore.open());
    const c = (cluster = await ReplicationTestCluster.create({ store: counting.store, timing }));
    for (const id of [0, 1, 2]) await c.start(id);
    const partitions = 6;
    const topic = await c.createTopic({ brokers: [0, 1, 2], partitions, replicationFactor: 3, minIsr: 2 });
    for (let p = 0; p < partitions; p++) {
      const leader = await c.leader(topic, p);
      const state = await stateOf(c, topic, p);
      const first = state.replicas[0] as number;
      expect(leader.brokerId).toBe(first);
      expect(state.holder).toEqual({ id: first, brokerEpoch: brokerEpochOf(c, first) });
      expect(state.leaderEpoch).toBe(0);
      expect(state.isr).toEqual(state.replicas.map((id) => ({ id, brokerEpoch: brokerEpochOf(c, id) })));
      // acks=all with min.insync.replicas 2 commits with no ISR write: the followers are in it from the start.
      const written = await leader.produce({ topic, partition: p, records: batchOf([`v${p}`]), acks: 'all', timeoutMs: 5000 });
      expect(written.baseOffset).toBe(0);
    }
    expect(counting.writes).toEqual({ create: partitions, update: 0 });
    // Every replica holds the committed record.
    for (const id of [0, 1, 2]) {
      await c.until(`broker ${id} has the record of every partition`, () => [...Array(partitions).keys()].every((p) => (c.nodes.get(id)?.status(topic, p)?.logEndOffset ?? 0) >= 1));
    }
    const leader0 = await c.leader(topic, 0);
    const fetched = await leader0.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 << 20 });
    expect(valuesOf(fetched.records)).toEqual(['v0']);
  });

  it('names the next live replica when the first one is down, and leaves the dead one out of the ISR', async () => {
    const c = (cluster = await ReplicationTestCluster.create({ timing }));
    for (const id of [0, 1, 2]) await c.start(id);
    await c.stop(0); // a clean shutdown releases its broker Lease: it is not live
    const topic = await c.createTopic({ brokers: [0, 1, 2], partitions: 1, replicationFactor: 3, minIsr: 2 });
    const state = await stateOf(c, topic, 0);
    expect(state.replicas).toEqual([0, 1, 2]);
    expect(state.holder).toEqual({ id: 1, brokerEpoch: brokerEpochOf(c, 1) });
    expect(state.leaderEpoch).toBe(0);
    expect(state.isr.map((m) => m.id)).toEqual([1, 2]);
    const leader = await c.leader(topic, 0);
    expect(leader.brokerId).toBe(1);
    expect((await leader.produce({ topic, partition: 0, records: batchOf(['a']), acks: 'all', timeoutMs: 5000 })).baseOffset).toBe(0);
  });

  it('fails over within a lease duration when the named leader had crashed with its Lease still unexpired', async () => {
    const c = (cluster = await ReplicationTestCluster.create({ timing }));
    for (const id of [0, 1, 2]) await c.start(id);
    const deadEpoch = brokerEpochOf(c, 0);
    await c.crash(0); // its broker Lease still looks held: one read cannot tell
    const topic = await c.createTopic({ brokers: [0, 1, 2], partitions: 1, replicationFactor: 3, minIsr: 2 });
    expect((await stateOf(c, topic, 0)).holder).toEqual({ id: 0, brokerEpoch: deadEpoch });
    const leader = await c.leader(topic, 0, 10_000);
    expect([1, 2]).toContain(leader.brokerId);
    const state = await stateOf(c, topic, 0);
    expect(state.leaderEpoch).toBe(1);
    expect(state.isr.map((m) => m.id)).not.toContain(0);
    expect((await leader.produce({ topic, partition: 0, records: batchOf(['b']), acks: 'all', timeoutMs: 5000 })).baseOffset).toBe(0);
  });

  it('is created leaderless when no replica is live, and its replicas elect a leader once they start', async () => {
    const counting = countingStore(await MemoryMetadataStore.open());
    const c = (cluster = await ReplicationTestCluster.create({ store: counting.store, timing }));
    const topic = await c.createTopic({ brokers: [0, 1, 2], partitions: 2, replicationFactor: 3, minIsr: 2 });
    for (const p of [0, 1]) expect(await stateOf(c, topic, p)).toMatchObject({ holder: null, leaderEpoch: -1, isr: [] });
    expect(counting.writes).toEqual({ create: 2, update: 0 });
    for (const id of [0, 1, 2]) await c.start(id);
    for (const p of [0, 1]) {
      const leader = await c.leader(topic, p);
      const state = await stateOf(c, topic, p);
      expect(state.holder?.id).toBe(leader.brokerId);
      expect(state.leaderEpoch).toBe(0);
    }
    // The election is an update of each record (rule 8), as before.
    expect(counting.writes.update).toBeGreaterThanOrEqual(2);
  });
});
