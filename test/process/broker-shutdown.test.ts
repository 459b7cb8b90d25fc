import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeRecords, type FetchPartitionResponse__Output, type ProduceResponse__Output } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { call, connect } from './broker/grpc-clients.ts';
import { batchOf, createTopic, randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('clean shutdown', () => {
  it('answers long-polls, ends tails, finishes in-flight appends, and every acknowledged record survives the restart', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const cluster = await startTestCluster(dir);
    const clients = connect(cluster.brokers[0]!.address);
    cleanups.push(() => clients.close());
    const topic = randomTopic();
    await createTopic(clients, topic, 1);

    const longPoll = call(clients.log, clients.log.Fetch, { maxWaitMs: 60_000, minBytes: 1_000_000_000, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 0, currentLeaderEpoch: -1 }] });
    const tail = clients.log.Tail({ topic, partition: 0, offset: 0, maxBytes: 0 });
    const tailDone = new Promise<string>((resolve) => {
      tail.on('data', (_m: FetchPartitionResponse__Output) => undefined);
      tail.on('end', () => resolve('end'));
      tail.on('error', (err: Error & { code?: number }) => resolve(`error ${err.code}`));
    });
    // Wait until the tail is being served (its first empty read parks on the HW) by a round trip.
    await call(clients.log, clients.log.Metadata, { topics: [topic] });

    const produces = Array.from({ length: 20 }, (_, i) =>
      call(clients.log, clients.log.Produce, { correlationId: i, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf(`r${i}`, 5) }] }).then(
        (res: ProduceResponse__Output) => ({ i, res }),
        (err: unknown) => ({ i, err }),
      ),
    );
    // Close while the rest are in flight: the first answer proves the broker is taking them.
    await produces[0];
    await cluster.close();

    const answered = await longPoll;
    expect(answered.partitions[0]?.error ?? null).toBeNull();
    expect(await tailDone).toBe('end');
    const outcomes = await Promise.all(produces);
    const acked = outcomes.flatMap((o) => ('res' in o && o.res.partitions[0]?.error == null ? [{ i: o.i, baseOffset: o.res.partitions[0]!.baseOffset }] : []));
    for (const o of outcomes) {
      if ('res' in o && o.res.partitions[0]?.error != null) expect(o.res.partitions[0].error.retriable).toBe(true);
    }
    expect(acked.length).toBeGreaterThan(0);
    await access(join(dir, 'broker-0', '.clean-shutdown'));

    const again = await startTestCluster(dir);
    cleanups.push(() => again.close());
    const c2 = connect(again.brokers[0]!.address);
    cleanups.push(() => c2.close());
    const res = await call(c2.log, c2.log.Fetch, { maxWaitMs: 0, minBytes: 0, maxBytes: 0, partitions: [{ topic, partition: 0, offset: 0, maxBytes: 64 << 20, currentLeaderEpoch: -1 }] });
    const byOffset = new Map(decodeRecords(res.partitions[0]!.records).map((r) => [r.offset, r.value?.toString()]));
    for (const { i, baseOffset } of acked) {
      for (let k = 0; k < 5; k++) expect(byOffset.get(baseOffset + k)).toBe(`r${i}-${k}`);
    }
    expect(res.partitions[0]!.highWatermark).toBeGreaterThanOrEqual(acked.length * 5);
  });

  it('ends open ProduceStreams with OK after answering what they started, instead of cutting them off', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const cluster = await startTestCluster(dir);
    const clients = connect(cluster.brokers[0]!.address);
    cleanups.push(() => clients.close());
    const topic = randomTopic();
    await createTopic(clients, topic, 1);
    const stream = clients.log.ProduceStream();
    const answered: number[] = [];
    const outcome = new Promise<string>((resolve) => {
      stream.on('data', (r: ProduceResponse__Output) => answered.push(r.correlationId));
      stream.on('end', () => resolve('end'));
      stream.on('error', (err: Error & { code?: number }) => resolve(`error ${err.code}`));
    });
    const firstThree = new Promise<void>((resolve) => stream.on('data', () => answered.length === 3 && resolve()));
    for (let i = 1; i <= 3; i++) stream.write({ correlationId: i, acks: 'ACKS_ALL', partitions: [{ topic, partition: 0, records: batchOf(`s${i}`, 2) }] });
    await firstThree;
    await cluster.close();
    expect(await outcome).toBe('end');
    expect(answered).toEqual([1, 2, 3]);
  });
});
