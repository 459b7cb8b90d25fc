import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { nodeStorageIo, type StorageIo } from '@runnel/storage';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';
import { FAST_REPLICATION_TIMING } from './replication-timing.ts';

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function threeBrokers(): Promise<{ c: ReplicationTestCluster; topic: string }> {
  const c = await ReplicationTestCluster.create();
  cluster = c;
  const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
  await Promise.all([0, 1, 2].map((id) => c.start(id)));
  return { c, topic };
}

async function readAll(c: ReplicationTestCluster, topic: string): Promise<string[]> {
  const leader = await c.leader(topic);
  const { records } = await leader.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 << 20 });
  return valuesOf(records);
}

describe('replication node (3 brokers, RF=3, minISR=2)', () => {
  it('elects the preferred replica, fills the ISR, and acknowledges acks=all once every ISR member has the record', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    expect(leader.brokerId).toBe(0);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const result = await leader.produce({ topic, partition: 0, records: batchOf(['a', 'b']), acks: 'all', timeoutMs: 5000 });
    expect(result.baseOffset).toBe(0);
    for (const id of [1, 2]) {
      await c.until(`broker ${id} to hold the records`, () => (c.nodes.get(id)!.log(topic, 0)?.logEndOffset ?? 0) >= 2);
    }
    expect(await readAll(c, topic)).toEqual(['a', 'b']);
  });

  it('fails over to an in-sync follower after the leader crashes and loses no acknowledged record', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const acked: string[] = [];
    for (let i = 0; i < 20; i++) {
      await leader.produce({ topic, partition: 0, records: batchOf([`v${i}`]), acks: 'all', timeoutMs: 5000 });
      acked.push(`v${i}`);
    }
    const oldId = leader.brokerId;
    const crashedAt = Date.now();
    await c.crash(oldId);
    const next = await c.leader(topic);
    const failoverMs = Date.now() - crashedAt;
    expect(next.brokerId).not.toBe(oldId);
    expect(next.status(topic, 0)!.state.leaderEpoch).toBe(1);
    expect(next.status(topic, 0)!.state.isr.map((m) => m.id)).not.toContain(oldId);
    await next.produce({ topic, partition: 0, records: batchOf(['after']), acks: 'all', timeoutMs: 5000 });
    expect(await readAll(c, topic)).toEqual([...acked, 'after']);
    expect(c.events.some((e) => e.kind === 'failover' && e.broker === next.brokerId)).toBe(true);
    console.log(`failover after crash: ${failoverMs} ms (LD ${c.timing.leaseDurationMs} ms)`);
  });

  it('refuses acks=all with NOT_ENOUGH_REPLICAS when the ISR is below min.insync.replicas, writing nothing', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    await c.crash(1);
    await c.crash(2);
    await c.until('ISR shrunk to the leader', () => leader.status(topic, 0)!.state.isr.length === 1);
    const end = leader.log(topic, 0)!.logEndOffset;
    const err = await leader.produce({ topic, partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnelError);
    expect((err as RunnelError).code).toBe('NOT_ENOUGH_REPLICAS');
    expect(leader.log(topic, 0)!.logEndOffset).toBe(end);
  });

  it('truncates the unacknowledged suffix of a crashed leader when it restarts as follower (divergence by epoch)', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    await leader.produce({ topic, partition: 0, records: batchOf(['committed']), acks: 'all', timeoutMs: 5000 });
    // Cut the leader off from its followers: its acks=1 write stays only in its own log.
    c.network.isolate(0, true);
    await leader.produce({ topic, partition: 0, records: batchOf(['only-on-0']), acks: 'leader', timeoutMs: 1000 });
    expect(leader.log(topic, 0)!.logEndOffset).toBe(2);
    await c.crash(0);
    c.network.isolate(0, false);
    const next = await c.leader(topic);
    await next.produce({ topic, partition: 0, records: batchOf(['new-epoch']), acks: 'all', timeoutMs: 5000 });
    const restarted = await c.start(0);
    await c.until('restarted broker converges on the new leader', () => {
      const s = restarted.status(topic, 0);
      return s !== undefined && s.role === 'follower' && s.logEndOffset === 2 && s.highWatermark === 2 && s.leaderEpoch >= 1;
    });
    const replica = await restarted.log(topic, 0)!.read(0, { maxBytes: 1 << 20 });
    expect(valuesOf(replica.records)).toEqual(['committed', 'new-epoch']);
    await c.until('restarted broker rejoins the ISR', () => next.status(topic, 0)!.state.isr.some((m) => m.id === 0 && m.brokerEpoch === restarted.brokerEpoch));
  });

  it('recognises an idempotent retry across a failover (producer state rebuilt from the log) and rejects a fenced producer epoch', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const { producerId } = leader.initProducerId();
    const first = await leader.produce({ topic, partition: 0, records: batchOf(['p0'], { producerId, producerEpoch: 1, baseSequence: 0 }), acks: 'all', timeoutMs: 5000 });
    await c.crash(leader.brokerId);
    const next = await c.leader(topic);
    const retried = await next.produce({ topic, partition: 0, records: batchOf(['p0'], { producerId, producerEpoch: 1, baseSequence: 0 }), acks: 'all', timeoutMs: 5000 });
    expect(retried.baseOffset).toBe(first.baseOffset);
    const stale = await next.produce({ topic, partition: 0, records: batchOf(['old'], { producerId, producerEpoch: 0, baseSequence: 1 }), acks: 'all', timeoutMs: 5000 }).catch((e: unknown) => e);
    expect((stale as RunnelError).code).toBe('INVALID_PRODUCER_EPOCH');
    expect(await readAll(c, topic)).toEqual(['p0']);
  });

  it('hands leadership to a caught-up ISR follower on request (preferred-leader move) and refuses a target outside the ISR', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    await leader.produce({ topic, partition: 0, records: batchOf(['h']), acks: 'all', timeoutMs: 5000 });
    const bad = await leader.handover(topic, 0, 7, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect((bad as RunnelError).code).toBe('INVALID_REQUEST');
    const epoch = await leader.handover(topic, 0, 2, { timeoutMs: 5000 });
    await c.until('broker 2 leads', () => c.nodes.get(2)!.status(topic, 0)?.role === 'leader');
    expect(c.nodes.get(2)!.status(topic, 0)!.leaderEpoch).toBe(epoch);
    expect(leader.status(topic, 0)!.role).toBe('follower');
    await c.nodes.get(2)!.produce({ topic, partition: 0, records: batchOf(['after-handover']), acks: 'all', timeoutMs: 5000 });
    expect(await readAll(c, topic)).toEqual(['h', 'after-handover']);
  });

  it('elects again after every broker crashed and restarted on its own disk, losing no acknowledged record', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    for (let i = 0; i < 5; i++) await leader.produce({ topic, partition: 0, records: batchOf([`w${i}`]), acks: 'all', timeoutMs: 5000 });
    for (const id of [0, 1, 2]) await c.crash(id);
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    expect(await readAll(c, topic)).toEqual(['w0', 'w1', 'w2', 'w3', 'w4']);
  });

  it('never lets a broker restarted on an emptied data directory lead on its old ISR entry', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    await leader.produce({ topic, partition: 0, records: batchOf(['kept']), acks: 'all', timeoutMs: 5000 });
    for (const id of [0, 1, 2]) await c.crash(id);
    await rm(join(c.root, 'broker-0'), { recursive: true, force: true });
    const emptied = await c.start(0);
    await new Promise((r) => setTimeout(r, 3 * c.timing.leaseDurationMs));
    expect(emptied.status(topic, 0)!.role).toBe('follower');
    await c.start(1);
    expect((await c.leader(topic)).brokerId).toBe(1);
    expect(await readAll(c, topic)).toEqual(['kept']);
  });

  it('closes the replicas of a deleted topic and serves a recreated one from an empty log', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    await leader.produce({ topic, partition: 0, records: batchOf(['old']), acks: 'all', timeoutMs: 5000 });
    await c.store.partitions.delete(`${topic}-0`);
    await c.store.topics.delete(topic);
    await c.until('replicas closed everywhere', () => [0, 1, 2].every((id) => c.nodes.get(id)!.status(topic, 0) === undefined));
    await c.createTopic({ brokers: [0, 1, 2], minIsr: 2, name: topic });
    const next = await c.leader(topic);
    await c.until('ISR of 3 again', () => next.status(topic, 0)!.state.isr.length === 3);
    await next.produce({ topic, partition: 0, records: batchOf(['new']), acks: 'all', timeoutMs: 5000 });
    expect(await readAll(c, topic)).toEqual(['new']);
  });

  it('lets followers copy a batch while the leader is still syncing it, and acknowledges acks=all only once the leader has synced', async () => {
    // Broker 0's fdatasync waits for the test to release it; the followers' disks sync at once.
    const held: Array<() => void> = [];
    let holding = false;
    const gatedIo: StorageIo = {
      ...nodeStorageIo,
      async open(path, flags) {
        const f = await nodeStorageIo.open(path, flags);
        return {
          writev: (b, p) => f.writev(b, p), read: (b, o, l, p) => f.read(b, o, l, p), sync: () => f.sync(), truncate: (l) => f.truncate(l), stat: () => f.stat(), close: () => f.close(),
          datasync: async () => {
            if (holding) await new Promise<void>((resolve) => held.push(resolve));
            await f.datasync();
          },
        };
      },
    };
    // Long polls that only data wakes (and no ISR change meanwhile): a follower gets the batch while the leader syncs only if the write itself wakes it.
    const c = await ReplicationTestCluster.create({ io: (id) => (id === 0 ? gatedIo : undefined), timing: { ...FAST_REPLICATION_TIMING, replicaFetchWaitMs: 60_000, replicaLagMaxMs: 120_000 } });
    cluster = c;
    const topic = await c.createTopic({ brokers: [0, 1, 2], minIsr: 2 });
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    const leader = await c.leader(topic);
    expect(leader.brokerId).toBe(0);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    // Settle: a first batch committed by everyone (both followers fetched past it), so their long polls park on data only.
    await leader.produce({ topic, partition: 0, records: batchOf(['settle']), acks: 'all', timeoutMs: 10_000 });
    holding = true;
    let acked = false;
    const produced = leader.produce({ topic, partition: 0, records: batchOf(['early']), acks: 'all', timeoutMs: 10_000 }).then((r) => {
      acked = true;
      return r;
    });
    // The followers get the batch although the leader's sync has not finished: the syncs overlap.
    for (const id of [1, 2]) await c.until(`broker ${id} to copy the batch`, () => (c.nodes.get(id)!.log(topic, 0)?.logEndOffset ?? 0) === 2);
    expect(leader.log(topic, 0)!.flushedOffset).toBe(1);
    expect(leader.status(topic, 0)!.highWatermark).toBe(1);
    expect(acked).toBe(false);
    holding = false;
    for (const release of held.splice(0)) release();
    await expect(produced).resolves.toMatchObject({ baseOffset: 1 });
    expect(leader.status(topic, 0)!.highWatermark).toBe(2);
  });

  it('fences a broker whose Lease another incarnation took: it stops serving and a follower takes over', async () => {
    const { c, topic } = await threeBrokers();
    const leader = await c.leader(topic);
    await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
    const lease = (await c.store.brokers.get(String(leader.brokerId)))!;
    await c.store.brokers.update(lease.name, { ...lease.value, incarnation: 'impostor', brokerEpoch: lease.value.brokerEpoch + 1 }, lease.resourceVersion);
    await c.until('the old incarnation fenced', () => c.events.some((e) => e.kind === 'fenced' && e.broker === leader.brokerId));
    const err = await leader.produce({ topic, partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 }).catch((e: unknown) => e);
    expect((err as RunnelError).code).toBe('NOT_LEADER');
    await c.until('a follower leads', () => [...c.nodes.values()].some((n) => n !== leader && n.status(topic, 0)?.role === 'leader'));
  });
});
