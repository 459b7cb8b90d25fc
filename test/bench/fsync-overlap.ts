// A benchmark, not a test: `npx node test/bench/fsync-overlap.ts` prints the median acks=all produce
// time of 60 sequential 1 KiB produces on RF=1 and on RF=3 (minISR 3) in one run, three in-process
// replication nodes whose fdatasync takes a fixed extra 25 ms (a timer, so CPU contention on a shared
// machine barely moves it). RF=3 near RF=1 means the followers' copy and fsync overlap the leader's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { MemoryMetadataStore, provisionPartitions } from '@runnel/metadata';
import { encodeRecordBatch } from '@runnel/protocol';
import { DataDirectory, nodeStorageIo, type StorageIo } from '@runnel/storage';
import { createReplicationNode, FAST_REPLICATION_TIMING, InProcessReplicaNetwork, systemClock, type ReplicationNode } from '@runnel/broker';

const slowIo: StorageIo = {
  ...nodeStorageIo,
  async open(path, flags) {
    const f = await nodeStorageIo.open(path, flags);
    return { ...f, writev: (b, p) => f.writev(b, p), read: (b, o, l, p) => f.read(b, o, l, p), sync: () => f.sync(), truncate: (l) => f.truncate(l), stat: () => f.stat(), close: () => f.close(),
      datasync: async () => { await new Promise((r) => setTimeout(r, 25)); await f.datasync(); } };
  },
};
const root = await mkdtemp(join(tmpdir(), 'slowsync-'));
const store = await MemoryMetadataStore.open();
const net = new InProcessReplicaNetwork();
const nodes: ReplicationNode[] = [];
const q = { warn: () => undefined, info: () => undefined, error: () => undefined };
for (const id of [0, 1, 2]) {
  const dd = await DataDirectory.open({ path: join(root, `b${id}`), clusterId: 'x', brokerId: id, logger: q, io: slowIo });
  const node = createReplicationNode({ brokerId: id, clock: systemClock, store, transport: net.transportFor(id), openLog: (p) => dd.openPartition(p.topic, p.partition, p.topicId, p.config), cleanStart: true, registration: { host: 'h', port: 0, rack: '', brokerUuid: dd.brokerUuid }, timing: { ...FAST_REPLICATION_TIMING, replicaFetchWaitMs: 500 } });
  net.register(id, node);
  nodes.push(node);
}
for (const [name, brokers, minIsr] of [['rf1', [0], 1], ['rf3', [0, 1, 2], 3]] as const) {
  await store.topics.create(name, { name, topicId: randomUUID(), partitions: 1, replicationFactor: brokers.length, configs: { 'min.insync.replicas': String(minIsr) }, assignments: [] });
  await provisionPartitions(store, name, { brokers: [...brokers], placement: { startIndex: 0, replicaShift: 0 } });
}
await Promise.all(nodes.map((n) => n.start()));
await new Promise((r) => setTimeout(r, 3000));
const batch = encodeRecordBatch([{ key: null, value: Buffer.alloc(1024) }]);
const median = async (topic: string): Promise<number> => {
  const xs: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    await nodes[0]!.produce({ topic, partition: 0, records: batch, acks: 'all', timeoutMs: 5000 });
    xs.push(performance.now() - t);
  }
  xs.sort((a, b) => a - b);
  return xs[30]!;
};
const rf1 = await median('rf1');
const rf3 = await median('rf3');
console.log(JSON.stringify({ medianMs: { rf1: rf1.toFixed(1), rf3: rf3.toFixed(1) }, rf3OverRf1: (rf3 / rf1).toFixed(2), rf3Isr: nodes[0]!.status('rf3', 0)?.state.isr.length }));
for (const n of nodes) n.crash();
await store.close();
await rm(root, { recursive: true, force: true });
