import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { MemoryMetadataStore, initialPartitionState, type PartitionState, type TopicDefinition } from '@runnel/metadata';
import { BrokerLease } from './broker-lease.ts';
import { systemClock } from './clock.ts';
import { faultyStore } from './faulty-store.ts';
import { casPartition } from './partition-cas.ts';
import { FAST_REPLICATION_TIMING } from './replication-timing.ts';

const timing = FAST_REPLICATION_TIMING;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function partitionFixture(): Promise<{ store: MemoryMetadataStore; name: string; state: PartitionState; rv: string }> {
  const store = await MemoryMetadataStore.open();
  const topic: TopicDefinition = { name: `t-${randomUUID().slice(0, 6)}`, topicId: randomUUID(), partitions: 1, replicationFactor: 3, configs: {}, assignments: [[0, 1, 2]] };
  const state = initialPartitionState(topic, 0);
  const name = `${topic.name}-0`;
  const created = await store.partitions.create(name, state);
  return { store, name, state, rv: created.resourceVersion };
}

function claim(state: PartitionState, id: number): Omit<PartitionState, 'proposalId'> {
  return { ...state, holder: { id, brokerEpoch: 1 }, leaderEpoch: state.leaderEpoch + 1, partitionEpoch: state.partitionEpoch + 1, isr: [{ id, brokerEpoch: 1 }] };
}

describe('partition Lease CAS (rule 7)', () => {
  it('writes with a fresh proposalId when the version still matches', async () => {
    const { store, name, state, rv } = await partitionFixture();
    const out = await casPartition({ store, clock: systemClock, timing, newId: randomUUID }, name, claim(state, 0), rv, new AbortController().signal);
    expect(out).toMatchObject({ applied: true, settled: false });
    expect((await store.partitions.get(name))!.value.holder).toEqual({ id: 0, brokerEpoch: 1 });
    expect(out.current!.value.proposalId).toMatch(/[0-9a-f-]{36}/);
  });

  it('reports a lost race (409) with the winner\'s state, writes nothing, and counts both writes (one conflict)', async () => {
    const { store, name, state, rv } = await partitionFixture();
    const writes: string[] = [];
    const ctx = { store, clock: systemClock, timing, newId: randomUUID, observer: { leaseWrite: (o: { lease: string; outcome: string }) => writes.push(`${o.lease}:${o.outcome}`) } };
    await casPartition(ctx, name, claim(state, 1), rv, new AbortController().signal);
    const out = await casPartition(ctx, name, claim(state, 0), rv, new AbortController().signal);
    expect(out.applied).toBe(false);
    expect(out.current!.value.holder?.id).toBe(1);
    // runnel_broker_lease_writes_total{lease="partition"} counts both, one as a conflict.
    expect(writes).toEqual(['partition:ok', 'partition:conflict']);
  });

  it('settles a write whose reply was lost by re-reading: applied, recognised by its proposalId', async () => {
    const { store: inner, name, state, rv } = await partitionFixture();
    const { store, faults } = faultyStore(inner);
    faults.lostReplies = 1;
    faults.failedReads = 2; // the settling reads time out twice before one answers
    const out = await casPartition({ store, clock: systemClock, timing, newId: randomUUID }, name, claim(state, 0), rv, new AbortController().signal);
    expect(out).toMatchObject({ applied: true, settled: true });
    expect(faults.failedReads).toBe(0);
    expect((await inner.partitions.get(name))!.value.holder?.id).toBe(0);
  });

  it('settles a write lost before it was applied as not applied, and never retries it', async () => {
    const { store: inner, name, state, rv } = await partitionFixture();
    const { store, faults } = faultyStore(inner);
    faults.lostRequests = 1;
    const out = await casPartition({ store, clock: systemClock, timing, newId: randomUUID }, name, claim(state, 0), rv, new AbortController().signal);
    expect(out).toMatchObject({ applied: false, settled: true });
    const now = await inner.partitions.get(name);
    expect(now!.resourceVersion).toBe(rv);
    expect(now!.value.holder).toBeNull();
  });

  it('does not mistake another writer\'s change for its own after an unknown outcome', async () => {
    const { store: inner, name, state, rv } = await partitionFixture();
    const { store, faults } = faultyStore(inner);
    faults.lostRequests = 1;
    const racing = casPartition({ store, clock: systemClock, timing, newId: randomUUID }, name, claim(state, 0), rv, new AbortController().signal);
    // Another broker wins meanwhile with the same shape of change but its own proposalId.
    await inner.partitions.update(name, { ...claim(state, 0), proposalId: 'someone-else' }, rv);
    const out = await racing;
    expect(out.applied).toBe(false);
    expect(out.current!.value.proposalId).toBe('someone-else');
  });
});

function lease(store: MemoryMetadataStore | ReturnType<typeof faultyStore>['store'], incarnation: string, observer: { fenced?: (e: Error) => void; leaseWrite?: (o: { lease: string; outcome: string }) => void } = {}): BrokerLease {
  return new BrokerLease({ brokerId: 3, store, clock: systemClock, timing, registration: { host: 'h', port: 1, rack: '', brokerUuid: 'u' }, incarnation, logger: quiet, observer });
}

describe('broker Lease (rules 1, 2, 12)', () => {
  it('takes brokerEpoch 1 on a fresh cluster and brokerEpoch + 1 after a clean release, without waiting', async () => {
    const store = await MemoryMetadataStore.open();
    const first = lease(store, 'a');
    expect(await first.acquire()).toBe(1);
    expect(first.valid).toBe(true);
    await first.release();
    expect(first.valid).toBe(false);
    const started = performance.now();
    expect(await lease(store, 'b').acquire()).toBe(2);
    expect(performance.now() - started).toBeLessThan(timing.leaseDurationMs);
  });

  it('waits the lease duration after last seeing another live incarnation change before taking over', async () => {
    const store = await MemoryMetadataStore.open();
    await lease(store, 'a').acquire();
    const started = performance.now();
    expect(await lease(store, 'b').acquire()).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(timing.leaseDurationMs);
  });

  it('fences itself for good when a renewal finds another incarnation (409 then a foreign holder)', async () => {
    const store = await MemoryMetadataStore.open();
    const fenced: Error[] = [];
    const writes: string[] = [];
    const old = lease(store, 'a', { fenced: (e) => fenced.push(e), leaseWrite: (o) => writes.push(`${o.lease}:${o.outcome}`) });
    await old.acquire();
    const current = (await store.brokers.get('3'))!;
    await store.brokers.update('3', { ...current.value, incarnation: 'b', brokerEpoch: 2 }, current.resourceVersion);
    await old.renewOnce();
    expect(old.fenced?.message).toMatch(/lost its broker Lease to b/);
    expect(old.valid).toBe(false);
    expect(fenced).toHaveLength(1);
    expect(writes).toEqual(['broker:ok', 'broker:conflict']);
  });

  it('settles a renewal whose reply was lost by re-reading, and stays valid', async () => {
    const inner = await MemoryMetadataStore.open();
    const { store, faults } = faultyStore(inner);
    const l = lease(store, 'a');
    await l.acquire();
    faults.lostReplies = 1;
    await l.renewOnce();
    expect(l.fenced).toBeUndefined();
    expect(l.valid).toBe(true);
    expect((await inner.brokers.get('3'))!.value.renewals).toBe(1);
    await l.renewOnce(); // the next CAS uses the re-read version: no conflict
    expect((await inner.brokers.get('3'))!.value.renewals).toBe(2);
  });

  it('stops being valid past the renew deadline when renewals keep failing', async () => {
    const inner = await MemoryMetadataStore.open();
    const { store, faults } = faultyStore(inner);
    const l = lease(store, 'a');
    await l.acquire();
    faults.lostRequests = Number.MAX_SAFE_INTEGER;
    faults.failedReads = Number.MAX_SAFE_INTEGER;
    const started = performance.now();
    while (l.valid) {
      await l.renewOnce();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(performance.now() - started).toBeGreaterThanOrEqual(timing.renewDeadlineMs - timing.requestTimeoutMs);
    expect(l.fenced).toBeUndefined();
  });

  it('releases on clean shutdown even when a renewal aborted by the shutdown still lands: it is released, not left to expire', async () => {
    const inner = await MemoryMetadataStore.open();
    let replyGate: (() => void) | undefined;
    // The renewal reaches the store at once; its reply comes late (a slow API server).
    const store: typeof inner = Object.create(inner) as typeof inner;
    Object.defineProperty(store, 'brokers', {
      value: {
        ...inner.brokers,
        get: (n: string) => inner.brokers.get(n),
        create: (n: string, v: Parameters<typeof inner.brokers.create>[1]) => inner.brokers.create(n, v),
        update: async (n: string, v: Parameters<typeof inner.brokers.update>[1], rv: string) => {
          const written = await inner.brokers.update(n, v, rv);
          if (replyGate === undefined && v.released !== true) await new Promise<void>((resolve) => (replyGate = resolve));
          return written;
        },
      },
    });
    const old = lease(store, 'a');
    await old.acquire();
    const stop = new AbortController();
    const renewal = old.renewOnce(stop.signal);
    await new Promise((r) => setTimeout(r, 10));
    stop.abort(); // the shutdown: the renewal gives up waiting, but its write has landed
    await renewal;
    expect((await inner.brokers.get('3'))!.value.renewals).toBe(1);
    const released = old.release();
    setTimeout(() => replyGate?.(), 20);
    await released;
    // Released (the next incarnation takes it at once, as the first test shows), not left to expire.
    expect((await inner.brokers.get('3'))!.value).toMatchObject({ incarnation: 'a', released: true, brokerEpoch: 1 });
  });
});
