import { access, open, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { LocalCluster } from '@runnel/broker';
import { MemoryMetadataStore, initialPartitionState, partitionStateName } from '@runnel/metadata';
import { decodeRecords } from '@runnel/protocol';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { afterEach, describe, expect, it } from 'vitest';
import { call, connect, type TestClients } from './broker/grpc-clients.ts';
import { batchOf, createTopic, randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function cluster(dataDir: string, brokers: number, extra: Parameters<typeof startTestCluster>[1] = {}): Promise<{ cluster: LocalCluster; clients: TestClients[] }> {
  const c = await startTestCluster(dataDir, { brokers, ...extra });
  const clients = c.brokers.map((b) => connect(b.address));
  return { cluster: c, clients };
}

function fetchAll(client: TestClients, topic: string, partition: number, currentLeaderEpoch = -1) {
  return call(client.log, client.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition, offset: 0, maxBytes: 0, currentLeaderEpoch }] });
}

describe('local cluster', () => {
  it('spreads partitions over 3 brokers, routes by leader and answers NOT_LEADER with the leader as hint', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const { cluster: c, clients } = await cluster(dir, 3, { demoTopic: { name: 'demo', partitions: 3 } });
    cleanups.push(() => c.close());
    cleanups.push(() => clients.forEach((x) => x.close()));
    expect(c.bootstrap.split(',')).toHaveLength(3);

    // A topic created through broker 1 becomes available on all its replicas.
    const topic = randomTopic();
    await createTopic(clients[1] as TestClients, topic, 6);
    for (const name of ['demo', topic]) {
      const md = await call(clients[2]!.log, clients[2]!.log.Metadata, { topics: [name] });
      const leaders = md.topics[0]!.partitions.map((p) => p.leaderId);
      expect(new Set(leaders)).toEqual(new Set([0, 1, 2]));
      for (const p of md.topics[0]!.partitions) {
        const leader = clients[p.leaderId] as TestClients;
        const res = await call(leader.log, leader.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic: name, partition: p.partition, records: batchOf(`${name}-${p.partition}`, 1) }] });
        expect(res.partitions[0]?.error ?? null).toBeNull();
        const other = clients[(p.leaderId + 1) % 3] as TestClients;
        const wrong = await call(other.log, other.log.Produce, { correlationId: 2, acks: 'ACKS_ALL', partitions: [{ topic: name, partition: p.partition, records: batchOf('nope', 1) }] });
        expect(wrong.partitions[0]?.error).toMatchObject({ code: 'NOT_LEADER', leaderHint: p.leaderId, retriable: true });
        const fetched = await fetchAll(leader, name, p.partition);
        expect(decodeRecords(fetched.partitions[0]!.records).map((r) => r.value?.toString())).toEqual([`${name}-${p.partition}-0`]);
      }
    }
  });

  it('a restart keeps topics and data, writes clean markers, and bumps leader epochs (old epoch is fenced)', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const first = await cluster(dir, 2, { demoTopic: { name: 'demo', partitions: 3 } });
    const topic = randomTopic();
    await createTopic(first.clients[0]!, topic, 1);
    const md1 = await call(first.clients[0]!.log, first.clients[0]!.log.Metadata, { topics: [topic, 'demo'] });
    const leader = md1.topics[0]!.partitions[0]!.leaderId;
    await call(first.clients[leader]!.log, first.clients[leader]!.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf('kept', 3) }] });
    first.clients.forEach((x) => x.close());
    await first.cluster.close();
    await access(join(dir, 'broker-0', '.clean-shutdown'));
    await access(join(dir, 'broker-1', '.clean-shutdown'));
    await access(join(dir, 'metadata.json'));

    const second = await cluster(dir, 2, { demoTopic: { name: 'demo', partitions: 3 } });
    cleanups.push(() => second.cluster.close());
    cleanups.push(() => second.clients.forEach((x) => x.close()));
    const md2 = await call(second.clients[1]!.log, second.clients[1]!.log.Metadata, { topics: [] });
    // The demo topic is created on the first start only; the restart keeps the same incarnations.
    expect(md2.topics.map((t) => t.name).sort()).toEqual(['demo', topic].sort());
    md2.topics.sort((a, b) => (a.name === topic ? -1 : b.name === topic ? 1 : 0));
    expect(md2.topics.map((t) => t.topicId)).toEqual(md1.topics.map((t) => t.topicId));
    expect(md2.topics[0]!.partitions[0]).toMatchObject({ leaderId: leader, leaderEpoch: 1 });
    const client = second.clients[leader]!;
    const res = await fetchAll(client, topic, 0, 1);
    expect(res.partitions[0]?.highWatermark).toBe(3);
    expect(decodeRecords(res.partitions[0]!.records).map((r) => [r.offset, r.value?.toString(), r.leaderEpoch])).toEqual([
      [0, 'kept-0', 0], [1, 'kept-1', 0], [2, 'kept-2', 0],
    ]);
    const fenced = await fetchAll(client, topic, 0, 0);
    expect(fenced.partitions[0]?.error).toMatchObject({ code: 'FENCED_LEADER_EPOCH' });
    const appended = await call(client.log, client.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf('new', 1) }] });
    expect(appended.partitions[0]?.baseOffset).toBe(3);
    const after = await fetchAll(client, topic, 0);
    expect(decodeRecords(after.partitions[0]!.records).at(-1)?.leaderEpoch).toBe(1);
  });

  it('a topic deleted and recreated while the broker was down: the old incarnation\'s directory is removed at start', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const first = await cluster(dir, 1);
    const topic = randomTopic();
    const oldId = await createTopic(first.clients[0]!, topic, 1);
    await call(first.clients[0]!.log, first.clients[0]!.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf('old', 2) }] });
    first.clients.forEach((x) => x.close());
    await first.cluster.close();
    const oldDir = `${topic}-0-${oldId.replaceAll('-', '').slice(0, 8)}`;
    expect(await readdir(join(dir, 'broker-0'))).toContain(oldDir);

    // Offline: delete and recreate the topic in the persisted store.
    const store = await MemoryMetadataStore.open({ path: join(dir, 'metadata.json') });
    await store.partitions.delete(partitionStateName(topic, 0));
    await store.topics.delete(topic);
    const recreated = { name: topic, topicId: crypto.randomUUID(), partitions: 1, replicationFactor: 1, configs: {}, assignments: [[0]] };
    await store.topics.create(topic, recreated);
    await store.partitions.create(partitionStateName(topic, 0), initialPartitionState(recreated, 0));
    await store.close();

    const second = await cluster(dir, 1);
    cleanups.push(() => second.cluster.close());
    cleanups.push(() => second.clients.forEach((x) => x.close()));
    expect(await readdir(join(dir, 'broker-0'))).not.toContain(oldDir);
    const res = await fetchAll(second.clients[0]!, topic, 0);
    expect(res.partitions[0]).toMatchObject({ highWatermark: 0, logEndOffset: 0 });
    // The new incarnation's directory is made by its first write (a partition never written has none).
    await call(second.clients[0]!.log, second.clients[0]!.log.Produce, { correlationId: 2, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf('new', 1) }] });
    expect(await readdir(join(dir, 'broker-0'))).toContain(`${topic}-0-${recreated.topicId.replaceAll('-', '').slice(0, 8)}`);
    expect((await fetchAll(second.clients[0]!, topic, 0)).partitions[0]).toMatchObject({ highWatermark: 1, logEndOffset: 1 });
  });

  it('a log found corrupt at start: that partition answers STORAGE_ERROR naming the problem, the others serve', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const first = await cluster(dir, 1);
    const topic = randomTopic();
    const topicId = await createTopic(first.clients[0]!, topic, 2);
    for (const partition of [0, 1]) {
      for (let b = 0; b < 3; b++) {
        await call(first.clients[0]!.log, first.clients[0]!.log.Produce, { correlationId: b, acks: 'ACKS_ALL', partitions: [{ topic, partition, records: batchOf(`p${partition}-b${b}`, 4) }] });
      }
    }
    first.clients.forEach((x) => x.close());
    await first.cluster.close();

    // Flip a byte inside the first batch of partition 0 and make recovery scan it (crash-like restart).
    const partitionDir = join(dir, 'broker-0', `${topic}-0-${topicId.replaceAll('-', '').slice(0, 8)}`);
    const segment = (await readdir(partitionDir)).find((f) => f.endsWith('.log'))!;
    const file = await open(join(partitionDir, segment), 'r+');
    const byte = Buffer.alloc(1);
    await file.read(byte, 0, 1, 70);
    await file.write(Buffer.from([byte[0]! ^ 0xff]), 0, 1, 70);
    await file.close();
    await rm(join(partitionDir, 'recovery-point-offset-checkpoint'), { force: true });
    await rm(join(dir, 'broker-0', '.clean-shutdown'), { force: true });

    const second = await cluster(dir, 1);
    cleanups.push(() => second.cluster.close());
    cleanups.push(() => second.clients.forEach((x) => x.close()));
    const client = second.clients[0]!;
    const bad = await call(client.log, client.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf('x', 1) }] });
    expect(bad.partitions[0]?.error?.code).toBe('STORAGE_ERROR');
    expect(bad.partitions[0]?.error?.message).toContain(`Partition ${topic}-0 is offline on broker 0: its log could not be opened`);
    const good = await fetchAll(client, topic, 1);
    expect(decodeRecords(good.partitions[0]!.records).map((r) => r.value?.toString())).toHaveLength(12);
    const ok = await call(client.log, client.log.Produce, { correlationId: 2, acks: 'ACKS_ALL', partitions: [{ topic, partition: 1, records: batchOf('after', 1) }] });
    expect(ok.partitions[0]?.baseOffset).toBe(12);
  });

  it('serves gRPC health (SERVING, then NOT_SERVING on shutdown), reflection and /metrics', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const { cluster: c, clients } = await cluster(dir, 1, { metricsPort: 0, defaultMetrics: true });
    cleanups.push(() => clients.forEach((x) => x.close()));
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await c.close();
    });
    const address = c.brokers[0]!.address;

    const health = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    const healthClient = new health.grpc.health.v1.Health(address, grpc.credentials.createInsecure());
    cleanups.push(() => healthClient.close());
    const status = await new Promise<string>((resolve, reject) =>
      healthClient['Check']!({ service: '' }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))),
    );
    expect(status).toBe('SERVING');

    const require = createRequire(import.meta.url);
    const reflectionProto = join(require.resolve('@grpc/reflection/package.json'), '..', 'build/proto/grpc/reflection/v1/reflection.proto');
    const reflection = grpc.loadPackageDefinition(protoLoader.loadSync(reflectionProto)) as unknown as { grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } } };
    const reflectionClient = new reflection.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    cleanups.push(() => reflectionClient.close());
    const services = await new Promise<string[]>((resolve, reject) => {
      const stream = reflectionClient['ServerReflectionInfo']!() as grpc.ClientDuplexStream<object, { listServicesResponse?: { service: Array<{ name: string }> } }>;
      stream.on('data', (res) => {
        resolve(res.listServicesResponse?.service.map((s: { name: string }) => s.name) ?? []);
        stream.end();
      });
      stream.on('error', reject);
      stream.write({ listServices: '' });
    });
    expect(services).toEqual(expect.arrayContaining(['runnel.v1.Log', 'runnel.v1.Admin', 'grpc.health.v1.Health']));

    const topic = randomTopic();
    await createTopic(clients[0]!, topic, 2);
    await call(clients[0]!.log, clients[0]!.log.Produce, { correlationId: 1, acks: 'ACKS_ALL', partitions: [{ topic, partition: 1, records: batchOf('m', 4) }] });
    await fetchAll(clients[0]!, topic, 1);
    const text = await (await fetch(`http://${c.brokers[0]!.metricsAddress}/metrics`)).text();
    const value = (line: RegExp): number => Number(text.split('\n').find((l) => line.test(l))?.split(' ').at(-1));
    expect(value(new RegExp(`^runnel_broker_records_in_total\\{topic="${topic}"`))).toBe(4);
    expect(value(new RegExp(`^runnel_broker_records_out_total\\{topic="${topic}"`))).toBe(4);
    expect(value(new RegExp(`^runnel_broker_bytes_in_total\\{topic="${topic}"`))).toBeGreaterThan(0);
    expect(value(new RegExp(`^runnel_broker_high_watermark\\{topic="${topic}",partition="1"`))).toBe(4);
    expect(value(new RegExp(`^runnel_broker_log_end_offset\\{topic="${topic}",partition="1"`))).toBe(4);
    expect(value(/^runnel_broker_partitions\{/)).toBe(2);
    expect(value(/^runnel_broker_leader_partitions\{/)).toBe(2);
    expect(value(/^runnel_broker_fsync_duration_seconds_count\{/)).toBeGreaterThan(0);
    expect(text).toMatch(/^runnel_broker_request_duration_seconds_count\{broker="0",rpc="Produce"\} 1$/m);
    expect(text).toContain('process_resident_memory_bytes');

    // Watch health across shutdown: NOT_SERVING arrives before the server goes away.
    const seen: string[] = [];
    const watch = healthClient['Watch']!({ service: '' }) as grpc.ClientReadableStream<{ status: string }>;
    const ended = new Promise<void>((resolve) => {
      watch.on('data', (res) => {
        seen.push(res.status);
        if (res.status === 'NOT_SERVING') resolve();
      });
      watch.on('error', () => resolve());
    });
    await new Promise<void>((resolve) => watch.once('data', () => resolve()));
    const closing = c.close();
    closed = true;
    await ended;
    watch.cancel();
    await closing;
    expect(seen).toEqual(['SERVING', 'NOT_SERVING']);
  });
});
