import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeRecords, readBatchHeader, RunnelError } from '@runnel/protocol';
import { Producer } from './producer.ts';
import { FakeCluster } from './testing/fake-cluster.ts';

let cluster: FakeCluster;
const producers: Producer[] = [];
function producer(options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer {
  const p = new Producer({ bootstrap: cluster.bootstrap, lingerMs: 1, retryBackoffMs: 5, retryBackoffMaxMs: 20, ...options });
  producers.push(p);
  return p;
}
function stored(topic: string, partition: number): string[] {
  return cluster.partition(topic, partition).batches.flatMap((b) => decodeRecords(b.bytes).map((r) => r.value!.toString()));
}

beforeEach(async () => {
  cluster = await FakeCluster.start(2);
});
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close({ timeoutMs: 200 }).catch(() => undefined)));
  await cluster.close();
});

describe('Producer', () => {
  it('sends records and resolves with their partition and dense offsets', async () => {
    cluster.createTopic('orders', 1);
    const p = producer();
    const metas = await Promise.all(['a', 'b', 'c'].map((v) => p.send({ topic: 'orders', value: v, timestamp: 1234 })));
    expect(metas).toEqual([0, 1, 2].map((offset) => ({ topic: 'orders', partition: 0, offset, timestamp: 1234 })));
    expect(stored('orders', 0)).toEqual(['a', 'b', 'c']);
  });

  it('routes keys like the Java client and keeps per-partition order', async () => {
    cluster.createTopic('keyed', 7);
    const p = producer();
    const sends = [];
    for (let i = 0; i < 50; i++) sends.push(p.send({ topic: 'keyed', key: i % 2 === 0 ? '1234' : 'runnel', value: String(i) }));
    const metas = await Promise.all(sends);
    // kafka-clients: '1234' -> 0, 'runnel' -> 1 of 7.
    expect(new Set(metas.filter((_, i) => i % 2 === 0).map((m) => m.partition))).toEqual(new Set([0]));
    expect(new Set(metas.filter((_, i) => i % 2 === 1).map((m) => m.partition))).toEqual(new Set([1]));
    expect(stored('keyed', 0)).toEqual(Array.from({ length: 25 }, (_, i) => String(i * 2)));
    expect(stored('keyed', 1)).toEqual(Array.from({ length: 25 }, (_, i) => String(i * 2 + 1)));
  });

  it('batches records sent together into few requests', async () => {
    cluster.createTopic('batched', 1);
    const p = producer({ lingerMs: 20, batchSize: 1024 * 1024 });
    await Promise.all(Array.from({ length: 500 }, (_, i) => p.send({ topic: 'batched', value: `v${i}` })));
    expect(cluster.produceRequests[0]).toBeLessThanOrEqual(3);
    expect(stored('batched', 0)).toHaveLength(500);
  });

  it('follows a leader move: refreshes metadata on NOT_LEADER and retries in order', async () => {
    cluster.createTopic('moving', 1);
    const p = producer({ maxInFlight: 1 });
    await p.send({ topic: 'moving', value: 'before' });
    cluster.moveLeader('moving', 0, 1);
    const metas = await Promise.all(['x', 'y', 'z'].map((v) => p.send({ topic: 'moving', value: v })));
    expect(metas.map((m) => m.offset)).toEqual([1, 2, 3]);
    expect(stored('moving', 0)).toEqual(['before', 'x', 'y', 'z']);
    expect(cluster.produceRequests[1]).toBeGreaterThan(0);
  });

  it('retries retriable errors and rejects with the stable code when retries run out', async () => {
    cluster.createTopic('flaky', 1);
    const p = producer({ retries: 2 });
    cluster.partition('flaky', 0).faults.push('NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS');
    await expect(p.send({ topic: 'flaky', value: 'ok' })).resolves.toMatchObject({ offset: 0 });
    cluster.partition('flaky', 0).faults.push('NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS', 'NOT_ENOUGH_REPLICAS');
    const err = await p.send({ topic: 'flaky', value: 'lost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunnelError);
    expect(err).toMatchObject({ code: 'NOT_ENOUGH_REPLICAS', retriable: true });
    expect((err as Error).message).toMatch(/flaky-0 after 3 attempt/);
  });

  it('does not retry a non-retriable error', async () => {
    cluster.createTopic('strict', 1);
    const p = producer({ retries: 5 });
    cluster.partition('strict', 0).faults.push('INVALID_RECORD');
    await expect(p.send({ topic: 'strict', value: 'bad' })).rejects.toMatchObject({ code: 'INVALID_RECORD', retriable: false });
    await expect(p.send({ topic: 'strict', value: 'good' })).resolves.toMatchObject({ offset: 0 });
  });

  it('rejects a call with a record too large for a request before queuing anything, naming the record', async () => {
    cluster.createTopic('big', 1);
    const p = producer({ maxRequestSize: 1024 });
    const call = p.sendBatch('big', [{ value: 'ok' }, { value: 'x'.repeat(2000) }, { value: 'ok too' }]);
    await expect(call).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE', message: expect.stringMatching(/^Cannot send record 1 of 3 \(~20\d\d bytes\) to big: larger than maxRequestSize \(1024\).*nothing of this call was sent$/) as unknown });
    await p.flush();
    expect(stored('big', 0)).toEqual([]);
  });

  it('fails a send at once, with the cause, when the cluster reports its partition offline for good', async () => {
    cluster.createTopic('off', 2);
    cluster.partition('off', 0).offline = new RunnelError('STORAGE_ERROR', 'Partition off-0 is offline on broker 0: its log could not be opened: boom', { retriable: false });
    // A delivery timeout longer than the test's: only failing fast can pass.
    const p = producer({ deliveryTimeoutMs: 600_000 });
    await expect(p.send({ topic: 'off', partition: 0, value: 'x' })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      retriable: false,
      message: 'Cannot produce 1 record(s) to off-0 after 0 attempt(s): Partition off-0 is offline on broker 0: its log could not be opened: boom',
    });
    // The other partition is unaffected, and a retriable leaderless answer is still waited out.
    expect((await p.send({ topic: 'off', partition: 1, value: 'y' })).offset).toBe(0);
  });

  it('rejects unknown topics and partitions with clear errors', async () => {
    cluster.createTopic('two', 2);
    const p = producer({ retryBackoffMs: 1, retryBackoffMaxMs: 2 });
    await expect(p.send({ topic: 'nope', value: 'x' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
    await expect(p.send({ topic: 'two', value: 'x', partition: 2 })).rejects.toThrow(/two-2: the topic has partitions 0..1/);
  });

  it('waits for buffer memory when full, and the wait can be aborted', async () => {
    cluster.createTopic('slow', 1);
    const p = producer({ bufferMemory: 4096, requestTimeoutMs: 60_000 });
    cluster.partition('slow', 0).stalled = true; // the broker never answers: memory is never released
    const first = p.send({ topic: 'slow', value: Buffer.alloc(3000) });
    first.catch(() => undefined);
    const controller = new AbortController();
    const blocked = p.send({ topic: 'slow', value: Buffer.alloc(2000) }, { signal: controller.signal });
    let settled = false;
    blocked.then(() => (settled = true), () => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    controller.abort(new Error('gave up waiting for buffer memory'));
    await expect(blocked).rejects.toThrow('gave up waiting for buffer memory');
  });

  it('sendBatch resolves metadata for every record in order across partitions', async () => {
    cluster.createTopic('bulk', 3);
    const p = producer();
    const metas = await p.sendBatch('bulk', Array.from({ length: 30 }, (_, i) => ({ value: `r${i}`, partition: i % 3 })));
    expect(metas.map((m) => m.partition)).toEqual(Array.from({ length: 30 }, (_, i) => i % 3));
    expect(metas.map((m) => m.offset)).toEqual(Array.from({ length: 30 }, (_, i) => Math.floor(i / 3)));
  });

  it('flush sends lingering records; close rejects later sends', async () => {
    cluster.createTopic('linger', 1);
    const p = producer({ lingerMs: 60_000 });
    const sent = p.send({ topic: 'linger', value: 'waiting' });
    await p.flush();
    await expect(sent).resolves.toMatchObject({ offset: 0 });
    await p.close();
    await expect(p.send({ topic: 'linger', value: 'late' })).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('acks=0 resolves without broker answers and the records still arrive', async () => {
    cluster.createTopic('fire', 1);
    const p = producer({ acks: 0 });
    const meta = await p.send({ topic: 'fire', value: 'x' });
    expect(meta.offset).toBe(-1);
    await p.close();
    expect(stored('fire', 0)).toEqual(['x']);
  });

  it.each(['gzip', 'zstd'] as const)('compresses batches with %s and the records decode unchanged', async (codec) => {
    cluster.createTopic(`c-${codec}`, 1);
    const p = producer({ compression: codec });
    const values = Array.from({ length: 100 }, (_, i) => `record ${i} ${'x'.repeat(50)}`);
    await p.sendBatch(`c-${codec}`, values.map((value) => ({ value })));
    const batches = cluster.partition(`c-${codec}`, 0).batches;
    expect(batches.every((b) => readBatchHeader(b.bytes).compression === codec)).toBe(true);
    expect(batches.reduce((n, b) => n + b.bytes.length, 0)).toBeLessThan(values.join('').length / 2);
    expect(stored(`c-${codec}`, 0)).toEqual(values);
  });

  it('a sendBatch whose first partition times out while the next waits for buffer memory rejects, with no unhandled rejection', async () => {
    cluster.createTopic('mixed', 2);
    cluster.partition('mixed', 0).leader = 99; // never delivered: times out
    cluster.partition('mixed', 1).stalled = true; // never answered: its memory is never released
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const p = producer({ bufferMemory: 4096, deliveryTimeoutMs: 200, requestTimeoutMs: 60_000 });
      const controller = new AbortController();
      const call = p.sendBatch('mixed', [
        { value: Buffer.alloc(500), partition: 0 },
        { value: Buffer.alloc(3000), partition: 1 },
        { value: Buffer.alloc(3000), partition: 1 },
      ], { signal: controller.signal });
      call.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 600)); // partition 0's chunk has failed by now
      controller.abort(new Error('gave up waiting for buffer memory'));
      await expect(call).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('fails a send with REQUEST_TIMED_OUT when its partition has no reachable leader for deliveryTimeoutMs', async () => {
    cluster.createTopic('orphan', 1);
    cluster.partition('orphan', 0).leader = 99; // a broker that is not in the cluster
    const p = producer({ deliveryTimeoutMs: 300 });
    const err = await p.send({ topic: 'orphan', value: 'x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REQUEST_TIMED_OUT' });
    expect((err as Error).message).toMatch(/orphan-0: not delivered within deliveryTimeoutMs \(300 ms\)/);
  });

  it('forgets a deleted topic: in-flight records time out, later sends fail with UNKNOWN_TOPIC', async () => {
    cluster.createTopic('gone', 1);
    const p = producer({ deliveryTimeoutMs: 400 });
    await p.send({ topic: 'gone', value: 'kept' });
    cluster.topics.delete('gone');
    await expect(p.send({ topic: 'gone', value: 'late' })).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT' });
    await expect(p.send({ topic: 'gone', value: 'later' })).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC' });
  });

  it('rejects bad options naming the option', () => {
    expect(() => new Producer({ bootstrap: 'nohost' })).toThrow(/Invalid broker address "nohost"/);
    expect(() => new Producer({ bootstrap: 'h:1', acks: 2 as unknown as 1 })).toThrow(/acks: 2/);
    expect(() => new Producer({ bootstrap: 'h:1', lingerMs: -1 })).toThrow(/lingerMs: -1/);
  });
});
