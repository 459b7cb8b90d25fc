import { afterEach, describe, expect, it } from 'vitest';
import type { PartitionState } from '@runnel/metadata';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';

// Found by `runnel bench partitions`: brokers stopped together each waited to hand their
// partitions to the other, itself shutting down. Rule 12 hands over only to a broker that stays.

const PARTITIONS = 6;

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function threeBrokersWithData(): Promise<{ c: ReplicationTestCluster; topic: string; acked: Map<number, string[]> }> {
  const c = await ReplicationTestCluster.create();
  cluster = c;
  const topic = await c.createTopic({ brokers: [0, 1, 2], partitions: PARTITIONS, minIsr: 2 });
  await Promise.all([0, 1, 2].map((id) => c.start(id)));
  const acked = new Map<number, string[]>();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const leader = await c.leader(topic, partition);
    await c.until(`ISR of 3 on ${topic}-${partition}`, () => leader.status(topic, partition)!.state.isr.length === 3);
    const values = [`p${partition}-a`, `p${partition}-b`];
    await leader.produce({ topic, partition, records: batchOf(values), acks: 'all', timeoutMs: 5000 });
    acked.set(partition, values);
  }
  return { c, topic, acked };
}

async function states(c: ReplicationTestCluster, topic: string): Promise<PartitionState[]> {
  const out: PartitionState[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) out.push((await c.store.partitions.get(`${topic}-${partition}`))!.value);
  return out;
}

async function readAll(c: ReplicationTestCluster, topic: string, partition: number): Promise<string[]> {
  const leader = await c.leader(topic, partition);
  const { records } = await leader.fetch({ topic, partition, offset: 0, maxBytes: 1 << 20 });
  return valuesOf(records);
}

describe('concurrent clean shutdown (rule 12)', () => {
  it('hands every leadership of two brokers stopped together to the broker that stays, none to each other', async () => {
    const { c, topic, acked } = await threeBrokersWithData();
    const before = await states(c, topic);
    expect(new Set(before.map((s) => s.holder?.id))).toEqual(new Set([0, 1, 2]));
    await Promise.all([c.stop(0), c.stop(1)]);
    const after = await states(c, topic);
    // Broker 2 holds every partition as soon as the two are down: no partition waits for a failover.
    expect(after.map((s) => s.holder?.id)).toEqual(Array.from({ length: PARTITIONS }, () => 2));
    const survivor = c.nodes.get(2)!;
    for (let partition = 0; partition < PARTITIONS; partition++) {
      await c.until(`broker 2 to lead ${topic}-${partition}`, () => survivor.status(topic, partition)?.role === 'leader');
      expect(await readAll(c, topic, partition)).toEqual(acked.get(partition));
    }
  });

  it('lets the last two brokers of an RF 3 cluster stop together without handing leaderships to each other; on restart nothing acknowledged is lost', async () => {
    const { c, topic, acked } = await threeBrokersWithData();
    await c.crash(2);
    for (let partition = 0; partition < PARTITIONS; partition++) await c.leader(topic, partition); // failover of broker 2's partitions
    const before = await states(c, topic);
    expect(before.every((s) => s.holder?.id === 0 || s.holder?.id === 1)).toBe(true);
    await Promise.all([c.stop(0), c.stop(1)]);
    // Neither took leadership from the other on its way out (each stopped following first).
    const after = await states(c, topic);
    expect(after.map((s) => [s.holder?.id, s.leaderEpoch])).toEqual(before.map((s) => [s.holder?.id, s.leaderEpoch]));
    // Their Leases are released: restarted, the cluster serves every acknowledged record.
    await Promise.all([0, 1, 2].map((id) => c.start(id)));
    for (let partition = 0; partition < PARTITIONS; partition++) {
      expect(await readAll(c, topic, partition)).toEqual(acked.get(partition));
    }
  });
});
