import { nodeStorageIo, type StorageIo } from '@runnel/storage';
import type { ProduceResponse__Output } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from './broker/grpc-clients.ts';
import { batchOf, createTopic, randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('ProduceStream response order', () => {
  it('a partition stuck in fsync holds back only requests that name it', async () => {
    const topic = randomTopic();
    // Storage seam: fdatasync of partition 0's segment waits while `held` is set.
    let held = false;
    let release: () => void = () => undefined;
    let gate = Promise.resolve();
    let syncStarted: () => void = () => undefined;
    const syncing = new Promise<void>((resolve) => (syncStarted = resolve));
    const io: StorageIo = {
      ...nodeStorageIo,
      async open(path, flags) {
        const file = await nodeStorageIo.open(path, flags);
        if (!path.includes(`/${topic}-0-`) || !path.endsWith('.log')) return file;
        return {
          writev: (b, p) => file.writev(b, p),
          read: (b, o, l, p) => file.read(b, o, l, p),
          datasync: async () => {
            if (held) {
              syncStarted();
              await gate;
            }
            await file.datasync();
          },
          sync: () => file.sync(),
          truncate: (l) => file.truncate(l),
          stat: () => file.stat(),
          close: () => file.close(),
        };
      },
    };
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const cluster = await startTestCluster(dir, { storageIo: io });
    cleanups.push(() => cluster.close());
    const clients = connect(cluster.brokers[0]!.address);
    cleanups.push(() => clients.close());
    await createTopic(clients, topic, 2);

    held = true;
    gate = new Promise<void>((resolve) => (release = resolve));
    const stream = clients.log.ProduceStream();
    const order: number[] = [];
    const answers = new Map<number, ProduceResponse__Output>();
    const seen = (n: number) => new Promise<void>((resolve) => stream.on('data', () => order.length >= n && resolve()));
    stream.on('data', (r: ProduceResponse__Output) => {
      order.push(r.correlationId);
      answers.set(r.correlationId, r);
    });
    const part = (partition: number, tag: string) => ({ topic, partition, records: batchOf(tag, 1) });
    stream.write({ correlationId: 1, acks: 'ACKS_ALL', partitions: [part(0, 'a')] });
    await syncing;
    stream.write({ correlationId: 2, acks: 'ACKS_ALL', partitions: [part(1, 'b')] });
    stream.write({ correlationId: 3, acks: 'ACKS_ALL', partitions: [part(1, 'c'), part(0, 'd')] });
    stream.write({ correlationId: 4, acks: 'ACKS_ALL', partitions: [part(1, 'e')] });
    // 2 touches only partition 1: answered while partition 0 is stuck. 4 also names only
    // partition 1 but must follow 3, which names partition 1 too and waits for partition 0.
    await seen(1);
    expect(order).toEqual([2]);
    held = false;
    release();
    await seen(4);
    expect(order).toEqual([2, 1, 3, 4]);
    expect(answers.get(3)?.partitions.map((p) => [p.partition, p.baseOffset, p.error ?? null])).toEqual([[1, 1, null], [0, 1, null]]);
    stream.end();
  });
});
