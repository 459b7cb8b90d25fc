import { describe, expect, it } from 'vitest';
import { MetadataStoreError, isMetadataStoreError } from './errors.ts';
import { MemoryMetadataStore } from './memory-metadata-store.ts';
import type { MetadataStore } from './metadata-store.ts';
import { requestReassignment } from './request-reassignment.ts';
import { partitionStateName, type PartitionState } from './topic-model.ts';

const led: PartitionState = {
  topic: 't',
  partition: 0,
  topicId: 'id-1',
  holder: { id: 0, brokerEpoch: 3 },
  leaderEpoch: 4,
  partitionEpoch: 7,
  replicas: [0, 1],
  isr: [{ id: 0, brokerEpoch: 3 }, { id: 1, brokerEpoch: 2 }],
  epochStartOffset: 10,
  proposalId: 'broker-0-write',
  handoverTo: null,
};

async function storeWith(state: PartitionState = led): Promise<MemoryMetadataStore> {
  const store = await MemoryMetadataStore.open();
  await store.partitions.create(partitionStateName(state.topic, state.partition), state);
  return store;
}

const code = (c: string) => (e: unknown) => isMetadataStoreError(e, c as never);

describe('requestReassignment', () => {
  it('records only the target (partitionEpoch + 1): holder, epochs, replicas, ISR and proposalId stay', async () => {
    const store = await storeWith();
    const { partition, written } = await requestReassignment(store, 't', 0, [1, 2]);
    expect(written).toBe(true);
    expect(partition.value).toEqual({ ...led, targetReplicas: [1, 2], partitionEpoch: 8 });
    expect((await store.partitions.get('t-0'))?.value.targetReplicas).toEqual([1, 2]);
  });

  it('writes nothing when the replicas already are the target or the same target is pending', async () => {
    const store = await storeWith();
    expect((await requestReassignment(store, 't', 0, [0, 1])).written).toBe(false);
    await requestReassignment(store, 't', 0, [2, 1]);
    const before = await store.partitions.get('t-0');
    const again = await requestReassignment(store, 't', 0, [2, 1]);
    expect(again.written).toBe(false);
    expect(again.partition.resourceVersion).toBe(before?.resourceVersion);
    // A different target replaces the pending one.
    expect((await requestReassignment(store, 't', 0, [1, 0])).partition.value.targetReplicas).toEqual([1, 0]);
  });

  it('refuses malformed targets and unknown partitions with errors that say what is wrong', async () => {
    const store = await storeWith();
    await expect(requestReassignment(store, 't', 0, [])).rejects.toThrow(/target replica list is empty/);
    await expect(requestReassignment(store, 't', 0, [1, -1])).rejects.toThrow(/non-negative integers, got -1/);
    await expect(requestReassignment(store, 't', 0, [1, 1.5])).rejects.toThrow(/non-negative integers, got 1.5/);
    await expect(requestReassignment(store, 't', 0, [2, 1, 2])).rejects.toThrow(/broker 2 appears more than once/);
    await expect(requestReassignment(store, 't', 0, [1, 2])).resolves.toMatchObject({ written: true });
    await expect(requestReassignment(store, 't', 1, [1, 2])).rejects.toSatisfy(code('NOT_FOUND'));
    await expect(requestReassignment(store, 't', 0, [1, 2], { topicId: 'other-incarnation' })).rejects.toThrow(/no such partition of topic id other-incarnation/);
    await expect(requestReassignment(store, 't', 0, [0])).resolves.toMatchObject({ written: true });
  });

  it('retries after a lost race, and settles an unknown outcome by reading again (rule 7)', async () => {
    const inner = await storeWith();
    let conflicts = 1;
    let lostReplies = 1;
    const flaky: MetadataStore = {
      ...inner,
      kind: 'local',
      topics: inner.topics,
      brokers: inner.brokers,
      close: () => inner.close(),
      partitions: {
        ...inner.partitions,
        get: (n) => inner.partitions.get(n),
        list: () => inner.partitions.list(),
        create: (n, v) => inner.partitions.create(n, v),
        delete: (n, o) => inner.partitions.delete(n, o),
        watch: (o) => inner.partitions.watch(o),
        update: async (n, v, rv) => {
          if (conflicts-- > 0) {
            // Another writer (the leader's ISR expansion) lands first.
            const cur = (await inner.partitions.get(n))!;
            await inner.partitions.update(n, { ...cur.value, partitionEpoch: cur.value.partitionEpoch + 1, isr: [...cur.value.isr, { id: 9, brokerEpoch: 1 }] }, cur.resourceVersion);
          }
          const written = await inner.partitions.update(n, v, rv);
          if (lostReplies-- > 0) throw new MetadataStoreError('UNKNOWN_OUTCOME', 'reply lost');
          return written;
        },
      },
    };
    // First attempt: CONFLICT; second: applied but the reply is lost; third read sees it applied.
    const result = await requestReassignment(flaky, 't', 0, [1, 2]);
    expect(result.written).toBe(false);
    const now = (await inner.partitions.get('t-0'))!.value;
    expect(now.targetReplicas).toEqual([1, 2]);
    expect(now.isr.map((m) => m.id)).toEqual([0, 1, 9]);
    expect(now.partitionEpoch).toBe(9);
  });
});

describe('targetReplicas on Kubernetes (the partition Lease codec)', () => {
  it('travels in the annotation, and the replica labels follow the replicas (a new replica broker sees the partition)', async () => {
    const { partitionLeaseCodec } = await import('./kubernetes/lease-codecs.ts');
    const codec = partitionLeaseCodec('c1');
    const adding: PartitionState = { ...led, replicas: [2, 1, 0], targetReplicas: [2, 1] };
    const object = codec.encode('t-0', adding);
    expect(Object.keys(object.metadata.labels ?? {}).filter((k) => k.startsWith('runnel.dev/replica-')).sort()).toEqual(['runnel.dev/replica-0', 'runnel.dev/replica-1', 'runnel.dev/replica-2']);
    const stored = (value: PartitionState, rv: string) => {
      const o = codec.encode('t-0', value);
      return codec.decode({ ...o, metadata: { ...o.metadata, resourceVersion: rv, uid: 'u-1' } });
    };
    expect(stored(adding, '7').value).toEqual(adding);
    const done = stored({ ...adding, replicas: [2, 1], targetReplicas: null }, '8');
    expect(done.value.targetReplicas).toBeNull();
    expect(Object.keys(codec.encode('t-0', done.value).metadata.labels ?? {})).not.toContain('runnel.dev/replica-0');
  });
});
