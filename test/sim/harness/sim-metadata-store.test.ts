/**
 * The simulated API server's faults do what the protocol must survive: a lost reply leaves the
 * write applied behind an UNAVAILABLE error (unknown outcome), a lost request does not apply it,
 * a storm turns a CAS into CONFLICT, a stalled watch delivers late and in order (or expires),
 * an isolated process gets no answers; and every partition write is logged for S7.
 */
import { describe, expect, it } from 'vitest';
import { isMetadataStoreError, type MetadataStore, type PartitionState, type WatchEvent } from '@runnel/metadata';
import { SimMetadataStore } from './sim-metadata-store.ts';
import { SimRandom } from './sim-random.ts';
import { SimProcess, SimScheduler } from './sim-scheduler.ts';
import { drive, driveValue } from './settle.ts';

const state = (epoch: number): PartitionState => ({
  topic: 't', partition: 0, topicId: 'id', holder: { id: 1, brokerEpoch: 1 }, leaderEpoch: epoch, partitionEpoch: 0,
  replicas: [1, 2, 3], isr: [{ id: 1, brokerEpoch: 1 }], epochStartOffset: 0, proposalId: null, handoverTo: null,
});

async function setup(seed = 1): Promise<{ s: SimScheduler; store: SimMetadataStore; p: SimProcess; view: MetadataStore }> {
  const s = new SimScheduler(new SimRandom(seed));
  const store = await SimMetadataStore.create(s, { requestTimeoutMs: 100 });
  const p = new SimProcess('broker-1', 1);
  await store.inner.partitions.create('t-0', state(0));
  return { s, store, p, view: store.viewFor(p) };
}

describe('SimMetadataStore', () => {
  it('answers through the network with the real CAS semantics and logs partition writes', async () => {
    const { s, store, view } = await setup();
    const current = (await driveValue(s, view.partitions.get('t-0')))!;
    const written = await driveValue(s, view.partitions.update('t-0', state(1), current.resourceVersion));
    expect(written.value.leaderEpoch).toBe(1);
    await expect(driveValue(s, view.partitions.update('t-0', state(2), current.resourceVersion))).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(store.partitionWrites.map((w) => [w.writer, w.object.value.leaderEpoch])).toEqual([['broker-1#1', 1]]);
    expect(s.now).toBeGreaterThan(0);
  });

  it('a lost reply applies the write but answers UNKNOWN_OUTCOME after the timeout; a lost request applies nothing', async () => {
    const { s, store, view } = await setup();
    const v0 = (await store.inner.partitions.get('t-0'))!;
    store.faults.lostReplyRate = 1;
    const started = s.now;
    const lost = await drive(s, view.partitions.update('t-0', state(1), v0.resourceVersion));
    expect(lost.status === 'rejected' && isMetadataStoreError(lost.reason, 'UNKNOWN_OUTCOME')).toBe(true);
    expect(s.now - started).toBe(100);
    expect((await store.inner.partitions.get('t-0'))?.value.leaderEpoch).toBe(1);
    store.faults.lostReplyRate = 0;
    store.faults.lostRequestRate = 1;
    const v1 = (await store.inner.partitions.get('t-0'))!;
    await expect(driveValue(s, view.partitions.update('t-0', state(2), v1.resourceVersion))).rejects.toMatchObject({ code: 'UNKNOWN_OUTCOME' });
    expect((await store.inner.partitions.get('t-0'))?.resourceVersion).toBe(v1.resourceVersion);
    expect(store.stats).toMatchObject({ lostReplies: 1, lostRequests: 1, timeouts: 2 });
  });

  it('a 409 storm makes a CAS lose to a foreign write of the same object', async () => {
    const { s, store, view } = await setup();
    store.conflictStorm(1000, 1);
    const v0 = (await store.inner.partitions.get('t-0'))!;
    await expect(driveValue(s, view.partitions.update('t-0', state(1), v0.resourceVersion))).rejects.toMatchObject({ code: 'CONFLICT' });
    const after = (await store.inner.partitions.get('t-0'))!;
    expect(after.value).toEqual(v0.value);
    expect(after.resourceVersion).not.toBe(v0.resourceVersion);
    expect(store.partitionWrites.map((w) => w.writer)).toEqual(['storm']);
  });

  it('a stalled watch delivers late and in order; with expire it ends with EXPIRED', async () => {
    const { s, store, view } = await setup();
    const seen: Array<[number, number]> = [];
    const controller = new AbortController();
    const consume = (async () => {
      for await (const e of view.partitions.watch({ signal: controller.signal }) as AsyncIterable<WatchEvent<PartitionState>>) seen.push([e.object.value.leaderEpoch, s.now]);
    })();
    store.stallWatches('broker-1', 500);
    for (let epoch = 1; epoch <= 3; epoch++) {
      const cur = (await store.inner.partitions.get('t-0'))!;
      await store.inner.partitions.update('t-0', state(epoch), cur.resourceVersion);
    }
    await s.runFor(499);
    expect(seen).toEqual([]);
    await s.runFor(10);
    expect(seen.map(([epoch]) => epoch)).toEqual([1, 2, 3]);
    expect(seen.every(([, at]) => at === 500)).toBe(true);
    controller.abort();
    await drive(s, consume);

    store.stallWatches('broker-1', 200, true);
    const expired = (async () => {
      for await (const _ of view.partitions.watch({ signal: new AbortController().signal })) void _;
    })();
    const cur = (await store.inner.partitions.get('t-0'))!;
    await store.inner.partitions.update('t-0', state(9), cur.resourceVersion);
    const outcome = await drive(s, expired);
    expect(outcome.status === 'rejected' && isMetadataStoreError(outcome.reason, 'EXPIRED')).toBe(true);
  });

  it('an isolated process gets no answer, and a dead one never settles', async () => {
    const { s, store, p, view } = await setup();
    store.isolate('broker-1', true);
    await expect(driveValue(s, view.partitions.get('t-0'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    store.heal();
    expect((await driveValue(s, view.partitions.get('t-0')))?.value.leaderEpoch).toBe(0);
    s.kill(p);
    expect(await drive(s, view.partitions.get('t-0'), 1000)).toEqual({ status: 'pending' });
  });
});
