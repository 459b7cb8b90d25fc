/**
 * An idempotent producer (the default with acks=all) whose acks are lost: a proxy in front of
 * every broker drops Produce answers after the broker wrote the batch, the producer times out and
 * retries, and the log must still hold every record exactly once, in send order — for RF=1 (the
 * one-replica case of the replicated partition) and for RF=3.
 */
import { Producer } from '@runnel/client';
import { decodeRecords } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_REPLICATION_TIMING } from '@runnel/broker';
import { DroppingProxies, seededDrops } from './broker/dropping-proxy.ts';
import { call, connect } from './broker/grpc-clients.ts';
import { randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Every committed value of a partition, read from its leader. */
async function readPartition(address: string, topic: string, partition: number): Promise<string[]> {
  const clients = connect(address);
  try {
    const values: string[] = [];
    let offset = 0;
    for (;;) {
      const res = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition, offset, maxBytes: 0, currentLeaderEpoch: -1 }] });
      const p = res.partitions[0]!;
      if (p.error != null) throw new Error(`Fetch ${topic}-${partition}: ${p.error.code} ${p.error.message}`);
      const records = decodeRecords(p.records, offset);
      if (records.length === 0) break;
      for (const r of records) values.push(r.value?.toString() ?? '');
      offset = records.at(-1)!.offset + 1;
      if (offset >= Number(p.highWatermark)) break;
    }
    return values;
  } finally {
    clients.close();
  }
}

async function lostAcksRun(options: { brokers: number; rf: number; seed: number }): Promise<void> {
  const dir = await tempDir();
  cleanups.push(() => removeDir(dir));
  const cluster = await startTestCluster(dir, { brokers: options.brokers, replicationTiming: FAST_REPLICATION_TIMING });
  cleanups.push(() => cluster.close());
  const proxies = await DroppingProxies.start(cluster.brokers.map((b) => ({ id: b.id, address: b.address })), seededDrops(options.seed, 0.3));
  cleanups.push(() => proxies.close());

  const topic = randomTopic('acks');
  const partitions = 2;
  const admin = connect(cluster.brokers[0]!.address);
  cleanups.push(() => admin.close());
  const created = await call(admin.admin, admin.admin.CreateTopics, { topics: [{ name: topic, partitions, replicationFactor: options.rf, configs: {} }] });
  expect(created.topics[0]?.error ?? null).toBeNull();

  const producer = new Producer({ bootstrap: proxies.bootstrap, acks: 'all', lingerMs: 2, requestTimeoutMs: 1500, retryBackoffMs: 20, retryBackoffMaxMs: 100, deliveryTimeoutMs: 120_000 });
  cleanups.push(() => producer.close());
  expect(producer.options.idempotent).toBe(true);
  const count = 120;
  const sent = [];
  for (let i = 0; i < count; i++) {
    sent.push(producer.send({ topic, partition: i % partitions, value: `v${i}` }));
    // Several requests per partition in flight, so drops hit pipelined batches too.
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const metadata = await Promise.all(sent);
  expect(proxies.dropped, 'the proxy dropped no answer: the test would prove nothing').toBeGreaterThan(0);

  const leaders = await call(admin.log, admin.log.Metadata, { topics: [topic] });
  for (let partition = 0; partition < partitions; partition++) {
    const leaderId = leaders.topics[0]!.partitions.find((p) => p.partition === partition)!.leaderId;
    const address = cluster.brokers.find((b) => b.id === leaderId)!.address;
    const values = await readPartition(address, topic, partition);
    const expected = Array.from({ length: count }, (_, i) => i).filter((i) => i % partitions === partition).map((i) => `v${i}`);
    // Exactly once and in send order: a retried batch stored twice would show up here.
    expect(values).toEqual(expected);
    // Every acknowledged offset is the one the record really has (a deduplicated retry answers the original offsets).
    for (const [i, m] of metadata.entries()) {
      if (m.partition === partition) expect(values[m.offset]).toBe(`v${i}`);
    }
  }
}

describe('an idempotent producer whose acks are lost', () => {
  it('retries, and an RF=1 log holds each batch exactly once', async () => {
    await lostAcksRun({ brokers: 1, rf: 1, seed: 7 });
  });

  it('retries, and an RF=3 log holds each batch exactly once', async () => {
    await lostAcksRun({ brokers: 3, rf: 3, seed: 11 });
  });
});
