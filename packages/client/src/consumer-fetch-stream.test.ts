/**
 * The consumer's fetches on the broker's FetchStream (one stream per broker for all fetches), its
 * fallback to unary Fetch against a broker without that RPC, and its recovery when the broker ends
 * or breaks the stream mid-read: in each case every record arrives once, in order.
 */
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { Consumer, type ConsumerStatus } from './consumer.ts';
import { Producer } from './producer.ts';
import { FakeCluster, type FakeClusterOptions } from './testing/fake-cluster.ts';

/** 200 records of 500 bytes in 100 batches of 2 (the producer's batchSize below). */
const VALUES = Array.from({ length: 200 }, (_, i) => `${i}`.padStart(500, '.'));
/** One batch per fetch: 100 fetches for VALUES. */
const ONE_BATCH_PER_FETCH = { maxPartitionBytes: 1_200 };

let cluster: FakeCluster | undefined;
const closers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await cluster?.close();
  cluster = undefined;
});

async function start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  cluster = await FakeCluster.start(2, options);
  return cluster;
}

async function produce(c: FakeCluster, topic: string, values: readonly string[], partition = 0): Promise<void> {
  const p = new Producer({ bootstrap: c.bootstrap, lingerMs: 0, batchSize: 1_100 });
  closers.push(p);
  await p.sendBatch(topic, values.map((value) => ({ value, partition })));
  await p.close();
}

/** A consumer of `partitions` from the earliest offset, and the status events it reports. */
function consumer(c: FakeCluster, topic: string, partitions: number[]): { consumer: Consumer; events: ConsumerStatus[] } {
  const consumer = new Consumer({ bootstrap: c.bootstrap, maxWaitMs: 50, retryBackoffMs: 5, retryBackoffMaxMs: 20, ...ONE_BATCH_PER_FETCH });
  closers.push(consumer);
  const events: ConsumerStatus[] = [];
  void (async () => {
    for await (const e of consumer.status()) events.push(e);
  })();
  consumer.assign(partitions.map((partition) => ({ topic, partition })));
  for (const partition of partitions) consumer.seek({ topic, partition }, 'earliest');
  return { consumer, events };
}

/** Reads `n` records in one records() loop: [partition, offset, value] each. */
async function read(c: Consumer, n: number): Promise<Array<[number, number, string]>> {
  const out: Array<[number, number, string]> = [];
  for await (const r of c.records()) {
    out.push([r.partition, r.offset, r.value!.toString()]);
    if (out.length >= n) break;
  }
  return out;
}

const expected = (partition: number, values: readonly string[]): Array<[number, number, string]> => values.map((v, i) => [partition, i, v]);
const requestErrors = (events: ConsumerStatus[]): string[] => events.flatMap((e) => (e.type === 'requestError' ? [e.error.code] : []));

describe('Consumer fetches on FetchStream', () => {
  it('reads many fetches worth of records in order on ONE FetchStream, with no unary Fetch', async () => {
    const c = await start();
    c.createTopic('s', 1);
    await produce(c, 's', VALUES);
    const { consumer: con, events } = consumer(c, 's', [0]);
    expect(await read(con, VALUES.length)).toEqual(expected(0, VALUES));
    expect(c.fetchRequests).toBeGreaterThanOrEqual(100); // one batch (2 records) per fetch
    expect(c.fetchStreams).toBe(1);
    expect(c.fetchCalls).toBe(0);
    expect(requestErrors(events)).toEqual([]);
  });

  it('opens one FetchStream per broker, not per partition or per fetch', async () => {
    const c = await start();
    c.createTopic('two', 4); // partitions 0 and 2 led by broker 0, 1 and 3 by broker 1
    const half = VALUES.slice(0, 50);
    for (const partition of [0, 1, 2, 3]) await produce(c, 'two', half, partition);
    const { consumer: con } = consumer(c, 'two', [0, 1, 2, 3]);
    const got = await read(con, 4 * half.length);
    for (const partition of [0, 1, 2, 3]) expect(got.filter(([p]) => p === partition)).toEqual(expected(partition, half));
    expect(c.fetchStreams).toBe(2);
    expect(c.fetchCalls).toBe(0);
  });

  it('reads every record in order from a broker without FetchStream, falling back to unary Fetch after one refused stream', async () => {
    const c = await start({ fetchStream: false });
    c.createTopic('old', 1);
    await produce(c, 'old', VALUES);
    const { consumer: con, events } = consumer(c, 'old', [0]);
    expect(await read(con, VALUES.length)).toEqual(expected(0, VALUES));
    expect(c.fetchCalls).toBeGreaterThanOrEqual(100);
    expect(c.fetchStreams).toBe(1); // asked once, then remembered: not once per fetch
    expect(requestErrors(events)).toEqual([]); // the fallback is not an error the application sees
  });

  it('asks for FetchStream again when a broker without it went away and came back with it (a rolling upgrade)', async () => {
    const c = await start({ fetchStream: false });
    c.createTopic('upgrade', 1);
    const before = VALUES.slice(0, 100);
    const after = VALUES.slice(100);
    await produce(c, 'upgrade', before);
    const { consumer: con, events } = consumer(c, 'upgrade', [0]);
    expect(await read(con, before.length)).toEqual(expected(0, before));
    expect(c.fetchStreams).toBe(1); // refused once, then unary Fetch
    const rest = read(con, after.length); // the consumer long-polls on for the rest
    c.kill(0);
    while (!requestErrors(events).includes('BROKER_NOT_AVAILABLE')) await new Promise((resolve) => setTimeout(resolve, 10));
    await c.restart(0, { fetchStream: true });
    const unary = c.fetchCalls;
    const requests = c.fetchRequests;
    await produce(c, 'upgrade', after);
    expect(await rest).toEqual(after.map((v, i) => [0, before.length + i, v]));
    expect(c.fetchCalls).toBe(unary); // no unary Fetch since the broker came back
    expect(c.fetchRequests - requests).toBeGreaterThanOrEqual(50); // the rest came on FetchStream
  });

  it.each([
    ['ends it with an OK status (a broker shutting down)', undefined],
    ['breaks it with UNAVAILABLE', grpc.status.UNAVAILABLE],
    ['breaks it with CANCELLED (a reset stream)', grpc.status.CANCELLED],
  ])('carries on, every record once and in order, when the broker %s mid-read', async (_what, code) => {
    const c = await start();
    c.createTopic('cut', 1);
    await produce(c, 'cut', VALUES);
    c.cutFetchStream(10, code);
    const { consumer: con, events } = consumer(c, 'cut', [0]);
    expect(await read(con, VALUES.length)).toEqual(expected(0, VALUES));
    expect(c.fetchStreamsCut).toBe(1);
    expect(c.fetchStreams).toBe(2); // a new stream after the cut
    expect(c.fetchCalls).toBe(0); // a broken stream is not taken for a broker without FetchStream
    expect(requestErrors(events)).toEqual(['BROKER_NOT_AVAILABLE']); // retriable, retried
  });
});
