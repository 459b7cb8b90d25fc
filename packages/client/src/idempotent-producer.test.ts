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
function headers(topic: string, partition: number): Array<{ producerId: number; producerEpoch: number; baseSequence: number; count: number }> {
  return cluster.partition(topic, partition).batches.map((b) => {
    const h = readBatchHeader(b.bytes, 0);
    return { producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence, count: h.lastOffsetDelta + 1 };
  });
}

beforeEach(async () => {
  cluster = await FakeCluster.start(2);
});
afterEach(async () => {
  await Promise.all(producers.splice(0).map((p) => p.close({ timeoutMs: 200 }).catch(() => undefined)));
  await cluster.close();
});

describe('idempotent producer', () => {
  it('is on by default with acks=all, off with acks=1, and conflicting options are rejected by name', () => {
    expect(producer().options.idempotent).toBe(true);
    expect(producer({ acks: 1 }).options.idempotent).toBe(false);
    expect(producer({ maxInFlight: 8 }).options.idempotent).toBe(false);
    expect(() => producer({ acks: 1, idempotent: true })).toThrow(/idempotent requires acks 'all'/);
    expect(() => producer({ maxInFlight: 6, idempotent: true })).toThrow(/at most 5 requests in flight/);
    expect(() => producer({ acks: 0, idempotent: true })).toThrow(RunnelError);
  });

  it('stamps its producer id and gapless per-partition sequences into every batch', async () => {
    cluster.createTopic('seq', 2);
    const p = producer({ batchSize: 200 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => p.send({ topic: 'seq', partition: i % 2, value: `v${i}` })));
    for (const partition of [0, 1]) {
      const hs = headers('seq', partition);
      expect(hs.length).toBeGreaterThan(1);
      expect(new Set(hs.map((h) => `${h.producerId}/${h.producerEpoch}`))).toEqual(new Set(['1000/0']));
      let next = 0;
      for (const h of hs) {
        expect(h.baseSequence).toBe(next);
        next += h.count;
      }
      expect(next).toBe(20);
    }
  });

  it('retries a batch whose reply was lost without writing it twice, and the send gets the original offset', async () => {
    cluster.createTopic('lost-reply', 1);
    const p = producer({ requestTimeoutMs: 200, maxInFlight: 1 });
    await p.send({ topic: 'lost-reply', value: 'first' });
    cluster.partition('lost-reply', 0).loseReplies = 1;
    const meta = await p.send({ topic: 'lost-reply', value: 'once' });
    expect(meta.offset).toBe(1);
    expect(stored('lost-reply', 0)).toEqual(['first', 'once']);
  });

  it('keeps order and writes each record once with 5 requests in flight when one is rejected and a reply is lost', async () => {
    cluster.createTopic('ordered', 1);
    const p = producer({ maxInFlight: 5, batchSize: 1, lingerMs: 0, requestTimeoutMs: 300 });
    await p.send({ topic: 'ordered', value: 'start' });
    const partition = cluster.partition('ordered', 0);
    // The next request is rejected before append while younger ones are on the wire, and the
    // reply of the next successful append is lost (the client times out and sends it again).
    partition.faults.push('NOT_ENOUGH_REPLICAS');
    partition.loseReplies = 1;
    const values = Array.from({ length: 10 }, (_, i) => String(i));
    const metas = await Promise.all(values.map((value) => p.send({ topic: 'ordered', value })));
    expect(stored('ordered', 0)).toEqual(['start', ...values]);
    expect(metas.map((m) => m.offset)).toEqual(values.map((_, i) => i + 1));
  });

  it('follows a leader move with requests in flight and keeps the sequence (the new leader knows the producer)', async () => {
    cluster.createTopic('moving', 1);
    const p = producer({ maxInFlight: 5, batchSize: 1, lingerMs: 0 });
    await p.send({ topic: 'moving', value: 'before' });
    cluster.moveLeader('moving', 0, 1);
    const values = Array.from({ length: 10 }, (_, i) => String(i));
    await Promise.all(values.map((value) => p.send({ topic: 'moving', value })));
    expect(stored('moving', 0)).toEqual(['before', ...values]);
    expect(headers('moving', 0).map((h) => h.baseSequence)).toEqual([0, ...values.map((_, i) => i + 1)]);
    expect(cluster.produceRequests[1]).toBeGreaterThan(0);
  });

  it('takes a new producer id after a batch fails for good, so later sends are not stuck behind the gap', async () => {
    cluster.createTopic('gap', 1);
    const p = producer({ retries: 0 });
    await p.send({ topic: 'gap', value: 'a' });
    cluster.partition('gap', 0).faults.push('NOT_ENOUGH_REPLICAS');
    await expect(p.send({ topic: 'gap', value: 'rejected' })).rejects.toMatchObject({ code: 'NOT_ENOUGH_REPLICAS' });
    await p.send({ topic: 'gap', value: 'b' });
    expect(stored('gap', 0)).toEqual(['a', 'b']);
    const hs = headers('gap', 0);
    expect(hs[0]).toMatchObject({ producerId: 1000, baseSequence: 0 });
    expect(hs[1]).toMatchObject({ producerId: 1001, baseSequence: 0 });
  });

  it('sends nothing with idempotent: false but plain batches (producer id -1)', async () => {
    cluster.createTopic('plain', 1);
    const p = producer({ idempotent: false });
    await p.send({ topic: 'plain', value: 'x' });
    expect(headers('plain', 0)).toEqual([{ producerId: -1, producerEpoch: -1, baseSequence: -1, count: 1 }]);
  });
});
