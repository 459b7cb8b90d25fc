import { decodeRecords, type FetchPartitionResponse__Output, type LogClient } from '@runnel/protocol';
import type { LocalCluster } from '@runnel/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClients } from './broker/grpc-clients.ts';
import { batchOf, call, connect, createTopic, randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

let dir: string;
let cluster: LocalCluster;
let clients: TestClients;

beforeAll(async () => {
  dir = await tempDir();
  cluster = await startTestCluster(dir);
  clients = connect(cluster.brokers[0]?.address ?? '');
});

afterAll(async () => {
  clients?.close();
  await cluster?.close();
  await removeDir(dir);
});

function values(records: Buffer, from = 0): string[] {
  return decodeRecords(records, from).map((r) => r.value?.toString() ?? 'null');
}

function produce(log: LogClient, topic: string, partition: number, records: Buffer, acks: 'ACKS_ALL' | 'ACKS_LEADER' | 'ACKS_NONE' = 'ACKS_ALL') {
  return call(log, log.Produce, { correlationId: 7, acks, timeoutMs: 5000, partitions: [{ topic, partition, records }] });
}

describe('broker data plane (in-process, loopback gRPC)', () => {
  it('produces then fetches the exact records, with dense offsets across batches', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 2);
    const first = await produce(clients.log, topic, 1, batchOf('a', 3));
    expect(first.correlationId).toBe(7);
    expect(first.partitions[0]?.error ?? null).toBeNull();
    expect(first.partitions[0]?.baseOffset).toBe(0);
    const second = await produce(clients.log, topic, 1, batchOf('b', 2), 'ACKS_LEADER');
    expect(second.partitions[0]?.baseOffset).toBe(3);

    const res = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 1, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    const p = res.partitions[0] as FetchPartitionResponse__Output;
    expect(p.error ?? null).toBeNull();
    expect(p.highWatermark).toBe(5);
    expect(p.logEndOffset).toBe(5);
    const decoded = decodeRecords(p.records);
    expect(decoded.map((r) => [r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      [0, 'k-0', 'a-0'], [1, 'k-1', 'a-1'], [2, 'k-2', 'a-2'], [3, 'k-0', 'b-0'], [4, 'k-1', 'b-1'],
    ]);
    expect(values(p.records, 4)).toEqual(['b-1']);
    // The other partition is untouched.
    const other = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    expect(other.partitions[0]?.highWatermark).toBe(0);
    expect(other.partitions[0]?.records.length).toBe(0);
  });

  it('long-poll Fetch waits for min_bytes and is woken by an append, not by its timeout', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 1);
    const started = performance.now();
    const pending = call(clients.log, clients.log.Fetch, { maxWaitMs: 60_000, minBytes: 1, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    let settled = false;
    void pending.then(() => (settled = true));
    // Another round trip on the same channel completes while the fetch stays parked.
    await call(clients.log, clients.log.Metadata, { topics: [topic] });
    expect(settled).toBe(false);
    await produce(clients.log, topic, 0, batchOf('wake', 2));
    const res = await pending;
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(values(res.partitions[0]?.records ?? Buffer.alloc(0))).toEqual(['wake-0', 'wake-1']);
  });

  it('Fetch max_bytes bounds the whole response; only the first partition with data may exceed it by one batch', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 2);
    for (const partition of [0, 1]) {
      for (let b = 0; b < 3; b++) await produce(clients.log, topic, partition, batchOf(`p${partition}b${b}-${'x'.repeat(1000)}`, 10));
    }
    const batchBytes = batchOf(`p0b0-${'x'.repeat(1000)}`, 10).length;
    const both = [0, 1].map((partition) => ({ topic, partition, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }));
    const small = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: Math.floor(batchBytes * 1.5), partitions: both });
    expect(small.partitions.map((p) => p.records.length)).toEqual([batchBytes, 0]);
    expect(small.partitions.map((p) => p.error ?? null)).toEqual([null, null]);
    expect(small.partitions[1]?.highWatermark).toBe(30);
    const tiny = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 10, partitions: both });
    expect(tiny.partitions.map((p) => p.records.length)).toEqual([batchBytes, 0]);
    const roomy = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: batchBytes * 4, partitions: both });
    expect(roomy.partitions.map((p) => p.records.length)).toEqual([batchBytes * 3, batchBytes]);
    const perPartition = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: both.map((p) => ({ ...p, maxBytes: batchBytes * 2 })) });
    expect(perPartition.partitions.map((p) => values(p.records).length)).toEqual([20, 20]);
  });

  it('long-poll Fetch answers empty after max_wait_ms when nothing arrives', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 1);
    const res = await call(clients.log, clients.log.Fetch, { maxWaitMs: 200, minBytes: 1, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    expect(res.partitions[0]?.error ?? null).toBeNull();
    expect(res.partitions[0]?.records.length).toBe(0);
    expect(res.partitions[0]?.highWatermark).toBe(0);
  });

  it('Tail streams existing records, then follows appends until cancelled', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 1);
    await produce(clients.log, topic, 0, batchOf('old', 2));
    const stream = clients.log.Tail({ topic, partition: 0, offset: 1, maxBytes: 0 });
    const seen: string[] = [];
    const gotAll = new Promise<void>((resolve, reject) => {
      stream.on('data', (msg: FetchPartitionResponse__Output) => {
        if (msg.error != null) reject(new Error(msg.error.message));
        seen.push(...values(msg.records, 1));
        if (seen.length === 1) void produce(clients.log, topic, 0, batchOf('new', 2));
        if (seen.length >= 3) resolve();
      });
      stream.on('error', (err) => reject(err));
    });
    await gotAll;
    expect(seen).toEqual(['old-1', 'new-0', 'new-1']);
    const ended = new Promise<string>((resolve) => stream.on('error', (err: Error & { code?: number }) => resolve(String(err.code))));
    stream.cancel();
    expect(await ended).toBe('1'); // CANCELLED
  });

  it('concurrent Fetches and Tails each get their own partition\'s bytes (read buffers and the response encoder are reused between calls)', async () => {
    const topic = randomTopic();
    const partitions = 4;
    await createTopic(clients, topic, partitions);
    for (let p = 0; p < partitions; p++) {
      for (let b = 0; b < 3; b++) await produce(clients.log, topic, p, batchOf(`p${p}b${b}`, 50));
    }
    const expected = (p: number, from: number): string[] => Array.from({ length: 150 }, (_, i) => `p${p}b${Math.floor(i / 50)}-${i % 50}`).slice(from);
    const tails = Array.from({ length: partitions }, (_, p) => {
      const stream = clients.log.Tail({ topic, partition: p, offset: 0, maxBytes: 0 });
      const seen: string[] = [];
      const done = new Promise<string[]>((resolve, reject) => {
        stream.on('data', (msg: FetchPartitionResponse__Output) => {
          if (msg.error != null) reject(new Error(msg.error.message));
          seen.push(...values(msg.records));
          if (seen.length >= 150) resolve(seen);
        });
        stream.on('error', (err: Error & { code?: number }) => (err.code === 1 ? undefined : reject(err)));
      });
      return { stream, done };
    });
    const fetches = Array.from({ length: 32 }, (_, i) => {
      const p = i % partitions;
      const from = (i * 7) % 150;
      return call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: p, offset: from, maxBytes: 0, currentLeaderEpoch: -1 }] }).then((res) => ({ p, from, got: values(res.partitions[0]!.records, from) }));
    });
    for (const { p, from, got } of await Promise.all(fetches)) expect(got).toEqual(expected(p, from));
    const tailed = await Promise.all(tails.map((t) => t.done));
    tailed.forEach((seen, p) => expect(seen).toEqual(expected(p, 0)));
    for (const t of tails) t.stream.cancel();
  });

  it('ListOffsets: earliest, latest (= HW) and by timestamp', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 1);
    await produce(clients.log, topic, 0, batchOf('t1000', 2, 1_000_000));
    await produce(clients.log, topic, 0, batchOf('t2000', 3, 2_000_000));
    const res = await call(clients.log, clients.log.ListOffsets, {
      partitions: [
        { topic, partition: 0, spec: 'OFFSET_SPEC_EARLIEST' },
        { topic, partition: 0, spec: 'OFFSET_SPEC_LATEST' },
        { topic, partition: 0, spec: 'OFFSET_SPEC_TIMESTAMP', timestamp: 1_500_000 },
        { topic, partition: 0, spec: 'OFFSET_SPEC_TIMESTAMP', timestamp: 500 },
        { topic, partition: 0, spec: 'OFFSET_SPEC_TIMESTAMP', timestamp: 3_000_000 },
      ],
    });
    expect(res.partitions.map((p) => p.error ?? null)).toEqual([null, null, null, null, null]);
    expect(res.partitions.map((p) => p.offset)).toEqual([0, 5, 2, 0, -1]);
    expect(res.partitions[2]?.timestamp).toBe(2_000_000);
    expect(res.partitions[1]?.leaderEpoch).toBe(0);
  });

  it('ProduceStream pipelines requests, echoes correlation ids in order, sends nothing for acks=none', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 2);
    const stream = clients.log.ProduceStream();
    const responses: Array<{ correlationId: number; partitions: Array<{ partition: number; baseOffset: number }> }> = [];
    const done = new Promise<void>((resolve, reject) => {
      stream.on('data', (r: { correlationId: number; partitions: Array<{ partition: number; baseOffset: number }> }) => responses.push(r));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    for (let i = 1; i <= 20; i++) {
      stream.write({ correlationId: i, acks: i === 10 ? 'ACKS_NONE' : 'ACKS_ALL', timeoutMs: 5000, partitions: [{ topic, partition: i % 2, records: batchOf(`s${i}`, 1) }] });
    }
    stream.end();
    await done;
    // Every request but the acks=none one is answered once, with its correlation id.
    expect(responses.map((r) => r.correlationId).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1).filter((i) => i !== 10));
    // Per partition, responses come in request order, and offsets follow that order.
    for (const partition of [0, 1]) {
      const mine = responses.filter((r) => r.partitions[0]?.partition === partition);
      const ids = mine.map((r) => r.correlationId);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(mine.map((r) => r.partitions[0]?.baseOffset)).toEqual(ids.map((_, i) => (partition === 0 && i >= 4 ? i + 1 : i)));
    }
    const fetched = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    expect(values(fetched.partitions[0]?.records ?? Buffer.alloc(0))).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((i) => `s${i}-0`));
  });

  it('creates, describes and deletes topics; a recreated topic starts empty with a new id', async () => {
    const topic = randomTopic();
    const id1 = await createTopic(clients, topic, 3, { 'retention.ms': '60000' });
    await produce(clients.log, topic, 2, batchOf('x', 4));
    const described = await call(clients.admin, clients.admin.DescribeTopics, { names: [topic] });
    const d = described.topics[0];
    expect(d?.topicId).toBe(id1);
    expect(d?.configs).toEqual({ 'retention.ms': '60000' });
    expect(d?.partitions.map((p) => [p.partition, p.leaderId, p.logEndOffset, p.highWatermark])).toEqual([[0, 0, 0, 0], [1, 0, 0, 0], [2, 0, 4, 4]]);
    expect(d?.partitions[2]?.sizeBytes).toBeGreaterThan(0);

    const dup = await call(clients.admin, clients.admin.CreateTopics, { topics: [{ name: topic, partitions: 1, replicationFactor: 1 }] });
    expect(dup.topics[0]?.error?.code).toBe('TOPIC_ALREADY_EXISTS');

    const deleted = await call(clients.admin, clients.admin.DeleteTopics, { names: [topic] });
    expect(deleted.topics[0]?.error ?? null).toBeNull();
    const gone = await call(clients.log, clients.log.Metadata, { topics: [topic] });
    expect(gone.topics[0]?.error?.code).toBe('UNKNOWN_TOPIC');

    const id2 = await createTopic(clients, topic, 3);
    expect(id2).not.toBe(id1);
    const res = await call(clients.log, clients.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 2, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    expect(res.partitions[0]?.logEndOffset).toBe(0);
  });

  it('Metadata lists brokers, topics and leaders; DescribeCluster names the store', async () => {
    const topic = randomTopic();
    await createTopic(clients, topic, 2);
    const md = await call(clients.log, clients.log.Metadata, { topics: [] });
    expect(md.clusterId).toBe('runnel-local');
    expect(md.brokers.map((b) => b.id)).toEqual([0]);
    const t = md.topics.find((x) => x.name === topic);
    expect(t?.partitions.map((p) => [p.partition, p.leaderId, p.leaderEpoch, p.replicas, p.isr])).toEqual([[0, 0, 0, [0], [0]], [1, 0, 0, [0], [0]]]);
    const cluster = await call(clients.admin, clients.admin.DescribeCluster, {});
    expect(cluster.metadataStore).toBe('local');
    expect(cluster.brokerId).toBe(0);
  });
});
