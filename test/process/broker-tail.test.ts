import { setTimeout as delay } from 'node:timers/promises';
import { decodeRecords, encodeRecordBatch, type FetchPartitionResponse__Output } from '@runnel/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { call, connect } from './broker/grpc-clients.ts';
import { createTopic, randomTopic, removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bytesOut(metricsAddress: string, topic: string): Promise<number> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('runnel_broker_bytes_out_total{') && l.includes(`topic="${topic}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('Tail backpressure', () => {
  it('stops reading the log while the client does not read, then delivers every record in order', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const cluster = await startTestCluster(dir, { metricsPort: 0 });
    cleanups.push(() => cluster.close());
    const clients = connect(cluster.brokers[0]!.address);
    cleanups.push(() => clients.close());
    const topic = randomTopic();
    await createTopic(clients, topic, 1);

    // 24 MiB in 512 batches of 16 records of 3 KiB.
    const batches = 512;
    const perBatch = 16;
    for (let b = 0; b < batches; b += 16) {
      const records = Buffer.concat(Array.from({ length: 16 }, (_, j) =>
        encodeRecordBatch(Array.from({ length: perBatch }, (_, i) => ({ key: null, value: Buffer.alloc(3072, (b + j + i) % 251) })))));
      const res = await call(clients.log, clients.log.Produce, { correlationId: b, acks: 'ACKS_LEADER', partitions: [{ topic, partition: 0, records }] });
      expect(res.partitions[0]?.error ?? null).toBeNull();
    }
    const total = batches * perBatch;

    const stream = clients.log.Tail({ topic, partition: 0, offset: 0, maxBytes: 256 * 1024 });
    let received = 0;
    let nextExpected = 0;
    const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
    const all = new Promise<void>((resolve, reject) => {
      stream.on('data', (msg: FetchPartitionResponse__Output) => {
        for (const r of decodeRecords(msg.records, nextExpected)) {
          if (r.offset !== nextExpected) reject(new Error(`expected offset ${nextExpected}, got ${r.offset}`));
          nextExpected = r.offset + 1;
          received++;
        }
        if (received === total) resolve();
      });
      stream.on('error', reject);
    });
    await first;
    stream.pause();
    // No event tells when the server has filled the transport windows and parked on 'drain':
    // sample the broker's bytes-out counter until it stops moving (bounded).
    let previous = -1;
    let current = await bytesOut(cluster.brokers[0]!.metricsAddress!, topic);
    for (let i = 0; i < 50 && current !== previous; i++) {
      await delay(100);
      previous = current;
      current = await bytesOut(cluster.brokers[0]!.metricsAddress!, topic);
    }
    expect(current).toBe(previous);
    expect(current).toBeLessThan((batches * perBatch * 3072) / 2);

    stream.resume();
    await all;
    expect(nextExpected).toBe(total);
    stream.cancel();
  });
});
