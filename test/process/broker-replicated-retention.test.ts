/**
 * Retention on an RF=3 topic in a real broker process (a 3-broker local cluster, as `runnel local
 * --brokers 3`, with its log maintenance timer at 300 ms): the leader deletes old segments by
 * retention.bytes, and the followers follow its log start over the gRPC replica fetch and delete
 * their own segments below it, on disk.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker/broker-process.ts';
import { call, connect, randomTopic, removeDir, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Base offsets of a replica's segment files, and its checkpointed log start (0 when none). */
async function replicaOnDisk(dataDir: string, broker: number, topic: string): Promise<{ bases: number[]; checkpointedStart: number }> {
  const brokerDir = join(dataDir, `broker-${broker}`);
  const dir = (await readdir(brokerDir)).find((d) => d.startsWith(`${topic}-0-`));
  if (dir === undefined) return { bases: [], checkpointedStart: 0 };
  const files = await readdir(join(brokerDir, dir));
  const bases = files.filter((f) => f.endsWith('.log')).map((f) => Number(f.slice(0, -4))).sort((a, b) => a - b);
  const checkpoint = await readFile(join(brokerDir, dir, 'log-start-offset-checkpoint'), 'utf8').catch(() => '');
  const lines = checkpoint.trim().split('\n');
  return { bases, checkpointedStart: lines.length >= 2 ? Number(lines.at(-1)) : 0 };
}

async function until(what: string, predicate: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('retention on a replicated topic (broker process, 3 brokers, RF=3)', () => {
  it('deletes old segments on the leader and on both followers, which agree on the log start', async () => {
    const dataDir = await tempDir();
    cleanups.push(() => removeDir(dataDir));
    const proc: BrokerProcess = await startBrokerProcess({ brokers: 3, dataDir, logMaintenanceIntervalMs: 300 });
    cleanups.push(() => proc.stop());
    const topic = randomTopic('ret');
    const admin = connect(proc.brokers[0]!.address);
    cleanups.push(() => Promise.resolve(admin.close()));
    const created = await call(admin.admin, admin.admin.CreateTopics, {
      topics: [{ name: topic, partitions: 1, replicationFactor: 3, configs: { 'segment.bytes': '1024', 'retention.bytes': '3000', 'retention.ms': '-1', 'min.insync.replicas': '2' } }],
    });
    expect(created.topics[0]?.error ?? null).toBeNull();

    let leaderId = -1;
    await until('a leader with an ISR of 3', async () => {
      const md = await call(admin.log, admin.log.Metadata, { topics: [topic] });
      const p = md.topics[0]?.partitions[0];
      leaderId = p?.leaderId ?? -1;
      return leaderId >= 0 && p?.isr.length === 3;
    });
    const leader = connect(proc.brokers.find((b) => b.id === leaderId)!.address);
    cleanups.push(() => Promise.resolve(leader.close()));
    for (let i = 0; i < 80; i++) {
      const records = encodeRecordBatch([{ key: null, value: Buffer.from(`v${i}-${'x'.repeat(100)}`) }]);
      const res = await call(leader.log, leader.log.Produce, { acks: 'ACKS_ALL', timeoutMs: 5000, partitions: [{ topic, partition: 0, records }] });
      expect(res.partitions[0]?.error ?? null).toBeNull();
    }

    // The leader's timer deletes segments; its log start reaches the followers with their next fetch.
    let logStart = 0;
    await until('a log start past 0 on the leader', async () => {
      const res = await call(leader.log, leader.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
      logStart = Number(res.partitions[0]?.logStartOffset ?? 0);
      return logStart > 0;
    });
    expect((await call(leader.log, leader.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] })).partitions[0]?.error?.code).toBe('OFFSET_OUT_OF_RANGE');
    const leaderStart = async (): Promise<number> => Number((await call(leader.log, leader.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] })).partitions[0]?.logStartOffset);
    // A follower's own segment boundaries differ: its log start is its first segment's base or, inside it, the checkpoint.
    const onDiskStart = async (id: number): Promise<number> => {
      const { bases, checkpointedStart } = await replicaOnDisk(dataDir, id, topic);
      return bases.length === 0 ? -1 : Math.max(bases[0]!, checkpointedStart);
    };
    let agreed = -1;
    // 80 records of ~130 bytes fill about 16 segments of 1 KiB; retention.bytes 3000 keeps a handful.
    // Retention runs on a timer and a follower follows with its next fetch, so wait for both.
    await until('every replica to delete its segments below the leader\'s log start, and agree on it', async () => {
      agreed = await leaderStart();
      for (const id of [0, 1, 2]) {
        if ((await onDiskStart(id)) !== agreed) return false;
        if ((await replicaOnDisk(dataDir, id, topic)).bases.length > 8) return false;
      }
      return true;
    });
    expect(agreed).toBeGreaterThanOrEqual(logStart);
    for (const id of [0, 1, 2]) {
      const { bases } = await replicaOnDisk(dataDir, id, topic);
      expect(bases[0], `first segment of broker ${id}`).toBeGreaterThan(0);
      expect(bases.length, `segments of broker ${id}`).toBeLessThanOrEqual(8);
    }
  });
});
