import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '@runnel/protocol';
import { requestReassignment } from '@runnel/metadata';
import type { PartitionLog } from '@runnel/storage';
import { LogMaintenance } from '../log-maintenance.ts';
import { committedRecords, ReplicationTestCluster } from './replication-test-cluster.ts';
import type { ReplicationNode } from './replication-node-api.ts';

/**
 * Retention and compaction on RF=3 partitions (issue 12 §4): the leader decides retention and
 * followers follow its log start through ReplicaFetch; every replica compacts its own log. After
 * either, the replicas must agree on the log start and on every record that remains.
 */

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const silent = pino({ level: 'silent' });
const IDS = [0, 1, 2];
/** Small segments so a few dozen records span many of them. */
const SMALL_SEGMENTS = { 'segment.bytes': '1024' };

async function threeBrokers(configs: Record<string, string>): Promise<{ c: ReplicationTestCluster; topic: string }> {
  const c = await ReplicationTestCluster.create();
  cluster = c;
  const topic = await c.createTopic({ brokers: IDS, minIsr: 2, configs: { ...SMALL_SEGMENTS, ...configs } });
  await Promise.all(IDS.map((id) => c.start(id)));
  const leader = await c.leader(topic);
  await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
  return { c, topic };
}

/** One batch of `count` records of ~100 bytes, keyed `key` when given. */
function batch(prefix: string, count = 1, key?: string): Buffer {
  return encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: key === undefined ? null : Buffer.from(key), value: Buffer.from(`${prefix}-${i}-${'x'.repeat(80)}`) })), {});
}

async function produce(c: ReplicationTestCluster, topic: string, records: Buffer): Promise<void> {
  const leader = await c.leader(topic);
  await leader.produce({ topic, partition: 0, records, acks: 'all', timeoutMs: 5000 });
}

/** Runs one maintenance pass on `node`, as its broker's timer would. */
function maintain(node: ReplicationNode): Promise<{ deletedSegments: number; removedRecords: number }> {
  return new LogMaintenance({ replicas: () => node.directory.maintained(), logger: silent }).runOnce();
}

/** Every record a replica's log holds from its log start to its HW, as offset/key/value. */
async function contents(log: PartitionLog): Promise<string[]> {
  return (await committedRecords(log)).map((r) => `${r.offset}:${r.key?.toString() ?? ''}:${r.value?.toString() ?? ''}`);
}

/** The latest value per key a replica returns (values without their padding). */
async function latestValues(log: PartitionLog): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const r of await contents(log)) {
    const [, key, value] = r.split(':');
    values.set(key!, value!.replace(/-x+$/, ''));
  }
  return values;
}

/** Asserts that every running replica holds exactly the leader's records from the shared log start. */
async function expectSameRecords(c: ReplicationTestCluster, topic: string): Promise<string[]> {
  const leader = await c.leader(topic);
  const expected = await contents(c.logOf(leader.brokerId, topic));
  for (const id of c.nodes.keys()) expect(await contents(c.logOf(id, topic)), `records of broker ${id}`).toEqual(expected);
  return expected;
}

describe('retention on RF=3 partitions', () => {
  it('the leader deletes by retention.bytes, the followers follow its log start and delete their own segments below it', async () => {
    const { c, topic } = await threeBrokers({ 'retention.bytes': '3000', 'retention.ms': '-1' });
    for (let i = 0; i < 60; i++) await produce(c, topic, batch(`r${i}`));
    const leader = await c.leader(topic);
    await c.converged(topic);
    const before = new Map(IDS.map((id) => [id, c.logOf(id, topic).segmentCount]));
    // Followers never decide retention themselves: a pass there alone deletes nothing.
    for (const id of IDS.filter((i) => i !== leader.brokerId)) expect((await maintain(c.nodes.get(id)!)).deletedSegments).toBe(0);
    const { deletedSegments } = await maintain(leader);
    expect(deletedSegments).toBeGreaterThan(0);
    const start = c.logOf(leader.brokerId, topic).logStartOffset;
    expect(start).toBeGreaterThan(0);
    // The next fetch round carries the leader's log start to the followers.
    await produce(c, topic, batch('after'));
    await c.converged(topic);
    for (const id of IDS) {
      const log = c.logOf(id, topic);
      expect(log.logStartOffset, `log start of broker ${id}`).toBe(start);
      expect(log.segmentCount, `segments of broker ${id}`).toBeLessThan(before.get(id)!);
      expect(log.segmentBaseOffsets()[0]!).toBeLessThanOrEqual(start);
      await expect(log.read(start - 1, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    }
    const records = await expectSameRecords(c, topic);
    expect(records[0]!.startsWith(`${start}:`)).toBe(true);
    expect(records.at(-1)).toContain('after-0');
    // Clients see the same: reading below the log start is out of range.
    const below = await leader.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 << 20 });
    expect(below.error).toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });

  it('keeps a consistent log start across a failover, and the new leader\'s retention reaches the old leader on its return', async () => {
    const { c, topic } = await threeBrokers({ 'retention.bytes': '3000', 'retention.ms': '-1' });
    for (let i = 0; i < 40; i++) await produce(c, topic, batch(`a${i}`));
    await c.converged(topic);
    const first = await c.leader(topic);
    await maintain(first);
    await produce(c, topic, batch('sync'));
    const start = (await c.converged(topic)).logStartOffset;
    expect(start).toBeGreaterThan(0);

    await c.crash(first.brokerId);
    const next = await c.leader(topic);
    expect(next.brokerId).not.toBe(first.brokerId);
    expect(c.logOf(next.brokerId, topic).logStartOffset).toBe(start);
    await produce(c, topic, batch('after-failover'));
    await c.converged(topic);
    await expectSameRecords(c, topic);

    // The new leader retains on: more data, another pass, and the log start moves on everywhere,
    // including on the old leader once it is back as a follower.
    for (let i = 0; i < 40; i++) await produce(c, topic, batch(`b${i}`));
    await c.converged(topic);
    expect((await maintain(next)).deletedSegments).toBeGreaterThan(0);
    const later = c.logOf(next.brokerId, topic).logStartOffset;
    expect(later).toBeGreaterThan(start);
    await c.start(first.brokerId);
    await produce(c, topic, batch('back'));
    await c.converged(topic);
    for (const id of IDS) expect(c.logOf(id, topic).logStartOffset, `log start of broker ${id}`).toBe(later);
    const records = await expectSameRecords(c, topic);
    expect(records.at(-1)).toContain('back-0');
  });

  it('a follower whose log end fell below the leader\'s log start restarts there and catches up', async () => {
    const { c, topic } = await threeBrokers({ 'retention.bytes': '3000', 'retention.ms': '-1' });
    for (let i = 0; i < 5; i++) await produce(c, topic, batch(`early${i}`));
    await c.converged(topic);
    const leader = await c.leader(topic);
    const lagger = IDS.find((id) => id !== leader.brokerId)!;
    const lagEnd = c.logOf(lagger, topic).logEndOffset;
    await c.crash(lagger);
    await c.until('ISR without the lagging follower', () => leader.status(topic, 0)!.state.isr.length === 2);
    for (let i = 0; i < 60; i++) await produce(c, topic, batch(`late${i}`));
    expect((await maintain(leader)).deletedSegments).toBeGreaterThan(0);
    const start = c.logOf(leader.brokerId, topic).logStartOffset;
    expect(start).toBeGreaterThan(lagEnd);

    await c.start(lagger);
    await c.until('the lagging follower back in the ISR', () => leader.status(topic, 0)!.state.isr.length === 3, 15_000);
    await c.converged(topic);
    const log = c.logOf(lagger, topic);
    expect(log.logStartOffset).toBe(start);
    expect(log.segmentBaseOffsets()[0]).toBeGreaterThanOrEqual(start);
    const records = await expectSameRecords(c, topic);
    expect(records.some((r) => r.includes('early'))).toBe(false);
    expect(records.at(-1)).toContain('late59-0');
  });
});

describe('retention and replica reassignment', () => {
  it('a new replica of a partition whose log start moved past 0 starts at that log start and takes over', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [0], replicationFactor: 1, minIsr: 1, configs: { ...SMALL_SEGMENTS, 'retention.bytes': '3000', 'retention.ms': '-1' } });
    await Promise.all([0, 1].map((id) => c.start(id)));
    for (let i = 0; i < 60; i++) await produce(c, topic, batch(`r${i}`));
    expect((await maintain(c.nodes.get(0)!)).deletedSegments).toBeGreaterThan(0);
    const start = c.logOf(0, topic).logStartOffset;
    expect(start).toBeGreaterThan(0);
    const before = await contents(c.logOf(0, topic));

    await requestReassignment(c.store, topic, 0, [1]);
    await c.until('the partition moved to broker 1', () => {
      const s = c.nodes.get(1)?.status(topic, 0);
      return s?.role === 'leader' && s.state.targetReplicas == null && s.state.replicas.join() === '1';
    }, 30_000);
    const log = c.logOf(1, topic);
    expect(log.logStartOffset).toBe(start);
    expect(await contents(log)).toEqual(before);
    await produce(c, topic, batch('moved'));
    expect((await contents(log)).at(-1)).toContain('moved-0');
  });
});

describe('compaction on RF=3 partitions', () => {
  it('every replica compacts its own log and returns the same latest value per key', async () => {
    const { c, topic } = await threeBrokers({ 'cleanup.policy': 'compact' });
    const latest = new Map<string, string>();
    for (let round = 0; round < 12; round++) {
      for (let k = 0; k < 4; k++) {
        await produce(c, topic, batch(`k${k}-v${round}`, 1, `k${k}`));
        latest.set(`k${k}`, `k${k}-v${round}-0`);
      }
    }
    await c.converged(topic);
    const sizeBefore = new Map(IDS.map((id) => [id, c.logOf(id, topic).sizeBytes]));
    for (const id of IDS) {
      const { removedRecords } = await maintain(c.nodes.get(id)!);
      expect(removedRecords, `records compacted away on broker ${id}`).toBeGreaterThan(0);
      expect(c.logOf(id, topic).sizeBytes).toBeLessThan(sizeBefore.get(id)!);
    }
    const perReplica = await Promise.all(IDS.map((id) => latestValues(c.logOf(id, topic))));
    for (const [i, values] of perReplica.entries()) expect(values, `latest values on broker ${IDS[i]}`).toEqual(latest);
    // Followers still replicate after compaction, and a new record lands on all of them.
    await produce(c, topic, batch('k0-final', 1, 'k0'));
    latest.set('k0', 'k0-final-0');
    await c.converged(topic);
    for (const id of IDS) expect((await contents(c.logOf(id, topic))).at(-1)).toContain('k0-final-0');

    // A failover to a compacted follower, more writes and another pass; the old leader comes back.
    const old = (await c.leader(topic)).brokerId;
    await c.crash(old);
    const next = await c.leader(topic);
    expect(next.brokerId).not.toBe(old);
    for (let round = 0; round < 6; round++) {
      await produce(c, topic, batch(`k1-w${round}`, 1, 'k1'));
      latest.set('k1', `k1-w${round}-0`);
    }
    for (const id of c.nodes.keys()) await maintain(c.nodes.get(id)!);
    await c.start(old);
    await produce(c, topic, batch('k2-back', 1, 'k2'));
    latest.set('k2', 'k2-back-0');
    await c.converged(topic);
    await maintain(c.nodes.get(old)!);
    for (const id of IDS) expect(await latestValues(c.logOf(id, topic)), `latest values on broker ${id} after the failover`).toEqual(latest);
  });
});
