/**
 * The client's Consumer against a real (in-process) broker fetches on FetchStream, not unary
 * Fetch: the broker's own request metrics say which RPC served its fetches.
 */
import { Consumer, Producer } from '@runnel/client';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** `runnel_broker_request_duration_seconds_count` for `rpc` in a scrape; 0 when the RPC has no sample. */
function requestCount(metrics: string, rpc: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith('runnel_broker_request_duration_seconds_count{') && l.includes(`rpc="${rpc}"`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('Consumer against a real broker', () => {
  it('has its fetches served on FetchStream, none on unary Fetch, and reads every record in order', async () => {
    const dir = await tempDir();
    cleanups.push(() => removeDir(dir));
    const topic = `fs-${crypto.randomUUID().slice(0, 8)}`;
    const cluster = await startTestCluster(dir, { metricsPort: 0, demoTopic: { name: topic, partitions: 1 } });
    cleanups.push(() => cluster.close());

    // 100 batches of 2 records; the consumer takes about one batch per fetch.
    const values = Array.from({ length: 200 }, (_, i) => `${i}`.padStart(500, '.'));
    const producer = new Producer({ bootstrap: cluster.bootstrap, lingerMs: 0, batchSize: 1_100 });
    cleanups.push(() => producer.close());
    await producer.sendBatch(topic, values.map((value) => ({ value, partition: 0 })));

    const consumer = new Consumer({ bootstrap: cluster.bootstrap, maxWaitMs: 50, maxPartitionBytes: 1_200 });
    cleanups.push(() => consumer.close());
    consumer.assign([{ topic, partition: 0 }]);
    consumer.seek({ topic, partition: 0 }, 'earliest');
    const got: Array<[number, string]> = [];
    for await (const r of consumer.records()) {
      got.push([r.offset, r.value!.toString()]);
      if (got.length >= values.length) break;
    }
    expect(got).toEqual(values.map((v, i) => [i, v]));

    const metrics = await (await fetch(`http://${cluster.brokers[0]!.metricsAddress}/metrics`)).text();
    expect(requestCount(metrics, 'Fetch')).toBe(0);
    // 100 batches of about 1 KiB and at most 1.2 KB per fetch: about 100 fetches (101 seen), 50 at the very least.
    expect(requestCount(metrics, 'FetchStream')).toBeGreaterThanOrEqual(50);
  });
});
