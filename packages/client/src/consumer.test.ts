import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunnelError } from '@runnel/protocol';
import { Consumer, type ConsumerRecord, type ConsumerStatus } from './consumer.ts';
import { Producer } from './producer.ts';
import { FakeCluster } from './testing/fake-cluster.ts';

let cluster: FakeCluster;
const closers: Array<{ close(): Promise<void> }> = [];
function consumer(options: Partial<ConstructorParameters<typeof Consumer>[0]> = {}): Consumer {
  const c = new Consumer({ bootstrap: cluster.bootstrap, maxWaitMs: 50, retryBackoffMs: 5, retryBackoffMaxMs: 20, ...options });
  closers.push(c);
  return c;
}
async function produce(topic: string, values: string[], extra: { partition?: number; timestamp?: (i: number) => number } = {}): Promise<void> {
  const p = new Producer({ bootstrap: cluster.bootstrap, lingerMs: 0 });
  await p.sendBatch(topic, values.map((value, i) => ({ value, ...(extra.partition === undefined ? {} : { partition: extra.partition }), ...(extra.timestamp ? { timestamp: extra.timestamp(i) } : {}) })));
  await p.close();
}
async function take(c: Consumer, n: number, signal?: AbortSignal): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  if (n === 0) return out;
  for await (const r of c.records(signal ? { signal } : {})) {
    out.push(r);
    if (out.length >= n) break;
  }
  return out;
}

beforeEach(async () => {
  cluster = await FakeCluster.start(2);
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
  await cluster.close();
});

describe('Consumer', () => {
  it('reads records from the earliest offset with exact values and offsets', async () => {
    cluster.createTopic('t', 1);
    await produce('t', ['a', 'b', 'c']);
    const c = consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    c.seek({ topic: 't', partition: 0 }, 'earliest');
    const got = await take(c, 3);
    expect(got.map((r) => [r.topic, r.partition, r.offset, r.value!.toString()])).toEqual([['t', 0, 0, 'a'], ['t', 0, 1, 'b'], ['t', 0, 2, 'c']]);
    expect(c.position({ topic: 't', partition: 0 })).toBe(3);
  });

  it("starts at the log end with autoOffsetReset 'latest' and sees only new records", async () => {
    cluster.createTopic('t', 1);
    await produce('t', ['old']);
    const c = consumer({ autoOffsetReset: 'latest' });
    c.assign([{ topic: 't', partition: 0 }]);
    const reading = take(c, 1);
    const status = c.status()[Symbol.asyncIterator]();
    // Wait until the consumer has positioned itself before producing.
    for (;;) {
      const ev = (await status.next()).value as ConsumerStatus;
      if (ev.type === 'offsetReset') break;
    }
    await produce('t', ['new']);
    expect((await reading).map((r) => r.value!.toString())).toEqual(['new']);
  });

  it('seeks to an exact offset and by timestamp', async () => {
    cluster.createTopic('t', 1);
    await produce('t', ['r0', 'r1', 'r2', 'r3'], { timestamp: (i) => 1_000 * (i + 1) });
    const c = consumer();
    c.assign([{ topic: 't', partition: 0 }]);
    c.seek({ topic: 't', partition: 0 }, { offset: 2 });
    expect((await take(c, 2)).map((r) => r.value!.toString())).toEqual(['r2', 'r3']);
    c.seek({ topic: 't', partition: 0 }, { timestamp: 2_500 });
    const byTime = await take(c, 1);
    expect(byTime.map((r) => [r.offset, r.timestamp])).toEqual([[2, 3000]]);
  });

  it('follows a leader move (NOT_LEADER -> metadata refresh)', async () => {
    cluster.createTopic('m', 1);
    await produce('m', ['one']);
    const c = consumer();
    c.assign([{ topic: 'm', partition: 0 }]);
    c.seek({ topic: 'm', partition: 0 }, 'earliest');
    expect((await take(c, 1))[0]!.value!.toString()).toBe('one');
    cluster.moveLeader('m', 0, 1);
    await produce('m', ['two']);
    expect((await take(c, 1))[0]!.value!.toString()).toBe('two');
  });

  it("resets an out-of-range offset per autoOffsetReset, or fails with 'none'", async () => {
    cluster.createTopic('r', 1);
    await produce('r', ['x', 'y']);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic: 'r', partition: 0 }]);
    c.seek({ topic: 'r', partition: 0 }, { offset: 99 });
    expect((await take(c, 2)).map((r) => r.offset)).toEqual([0, 1]);

    const statuses = c.status()[Symbol.asyncIterator]();
    c.seek({ topic: 'r', partition: 0 }, { offset: 50 });
    expect((await take(c, 1)).map((r) => r.offset)).toEqual([0]);
    // The reset is announced with the offset that was out of range and what the log held.
    const resets: ConsumerStatus[] = [];
    for (;;) {
      const ev = (await statuses.next()).value as ConsumerStatus;
      if (ev.type === 'offsetReset') resets.push(ev);
      if (ev.type === 'offsetReset' && ev.reason === 'outOfRange') break;
    }
    expect(resets.at(-1)).toEqual({ type: 'offsetReset', topic: 'r', partition: 0, offset: 0, reason: 'outOfRange', outOfRangeOffset: 50, logStartOffset: 0, logEndOffset: 2 });

    const strict = consumer({ autoOffsetReset: 'none' });
    strict.assign([{ topic: 'r', partition: 0 }]);
    strict.seek({ topic: 'r', partition: 0 }, { offset: 99 });
    await expect(take(strict, 1)).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
  });

  it('yields nothing more once the signal aborts, even from a batch already fetched', async () => {
    cluster.createTopic('many', 1);
    await produce('many', Array.from({ length: 600 }, (_, i) => `v${i}`));
    const c = consumer();
    c.assign([{ topic: 'many', partition: 0 }]);
    c.seek({ topic: 'many', partition: 0 }, 'earliest');
    const controller = new AbortController();
    const seen: number[] = [];
    for await (const r of c.records({ signal: controller.signal })) {
      seen.push(r.offset);
      if (r.offset === 500) controller.abort();
    }
    expect(seen.at(-1)).toBe(500);
    expect(seen).toHaveLength(501);
  });

  it('fails with UNKNOWN_TOPIC when the topic is deleted while it is being read', async () => {
    cluster.createTopic('gone', 1);
    await produce('gone', ['a']);
    const c = consumer();
    c.assign([{ topic: 'gone', partition: 0 }]);
    c.seek({ topic: 'gone', partition: 0 }, 'earliest');
    const seen: string[] = [];
    const reading = (async () => {
      for await (const r of c.records()) {
        seen.push(r.value!.toString());
        cluster.topics.delete('gone');
      }
    })();
    await expect(reading).rejects.toMatchObject({ code: 'UNKNOWN_TOPIC', retriable: false, message: expect.stringMatching(/Topic gone does not exist/) as unknown });
    expect(seen).toEqual(['a']);
  });

  it('fails with UNKNOWN_PARTITION when reading a partition the topic does not have', async () => {
    cluster.createTopic('two', 2);
    const c = consumer();
    c.assign([{ topic: 'two', partition: 5 }]);
    c.seek({ topic: 'two', partition: 5 }, { offset: 0 });
    await expect(take(c, 1)).rejects.toMatchObject({ code: 'UNKNOWN_PARTITION', message: expect.stringMatching(/Partition 5 of two does not exist \(the topic has 2\)/) as unknown });
  });

  it('fails at once with the cause when the cluster reports its partition offline for good', async () => {
    cluster.createTopic('off', 1);
    cluster.partition('off', 0).offline = new RunnelError('STORAGE_ERROR', 'Partition off-0 is offline on broker 0: its log could not be opened: boom', { retriable: false });
    const c = consumer();
    c.assign([{ topic: 'off', partition: 0 }]);
    c.seek({ topic: 'off', partition: 0 }, { offset: 0 });
    await expect(take(c, 1)).rejects.toMatchObject({ code: 'STORAGE_ERROR', retriable: false, message: 'Partition off-0 is offline on broker 0: its log could not be opened: boom' });
  });

  it('ends iteration when the signal aborts while waiting for data', async () => {
    cluster.createTopic('idle', 1);
    const c = consumer();
    c.assign([{ topic: 'idle', partition: 0 }]);
    c.seek({ topic: 'idle', partition: 0 }, 'earliest');
    const controller = new AbortController();
    const reading = take(c, 1, controller.signal);
    setTimeout(() => controller.abort(), 30);
    await expect(reading).resolves.toEqual([]);
  });

  it('stops fetching while the prefetch buffer is full (backpressure) and resumes as records are consumed', async () => {
    cluster.createTopic('bp', 1);
    const values = Array.from({ length: 200 }, (_, i) => `${i}`.padStart(500, '.'));
    const p = new Producer({ bootstrap: cluster.bootstrap, lingerMs: 0, batchSize: 1_100 }); // 2 records per batch
    await p.sendBatch('bp', values.map((value) => ({ value })));
    await p.close();
    const c = consumer({ maxPrefetchBytes: 3_000, maxPartitionBytes: 1_200 });
    c.assign([{ topic: 'bp', partition: 0 }]);
    c.seek({ topic: 'bp', partition: 0 }, 'earliest');
    const status = c.status()[Symbol.asyncIterator]();
    const records = c.records()[Symbol.asyncIterator]();
    const first = await records.next();
    // The application now holds the iterator without pulling: fetching must pause.
    for (;;) {
      const ev = (await status.next()).value as ConsumerStatus;
      if (ev.type === 'backpressure' && ev.paused) {
        expect(ev.bufferedBytes).toBeGreaterThanOrEqual(3_000);
        break;
      }
    }
    const fetchesWhilePaused = cluster.fetchRequests;
    expect(fetchesWhilePaused).toBeLessThan(20); // 100 batches exist; only a few were fetched
    const got = [first.value as ConsumerRecord];
    while (got.length < 200) got.push((await records.next()).value as ConsumerRecord);
    await records.return(undefined);
    expect(got.map((r) => r.value!.toString())).toEqual(values);
    expect(cluster.fetchRequests).toBeGreaterThan(fetchesWhilePaused);
  });

  it('rejects bad assignments and seeks with clear errors', () => {
    const c = consumer();
    expect(() => c.assign([{ topic: '', partition: 0 }])).toThrow(/Cannot assign/);
    expect(() => c.seek({ topic: 'x', partition: 0 }, 'earliest')).toThrow(/x-0: it is not assigned/);
    c.assign([{ topic: 'x', partition: 0 }]);
    expect(() => c.seek({ topic: 'x', partition: 0 }, { offset: -1 })).toThrow(/expected 'earliest', 'latest'/);
  });

  it('refuses two concurrent iterations', async () => {
    const c = consumer();
    const first = c.records()[Symbol.asyncIterator]();
    const pending = first.next();
    await expect(c.records()[Symbol.asyncIterator]().next()).rejects.toThrow(/already being iterated/);
    await c.close();
    await expect(pending).resolves.toMatchObject({ done: true });
  });
});
