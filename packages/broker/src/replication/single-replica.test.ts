import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import type { Clock } from './clock.ts';
import { batchOf, ReplicationTestCluster, valuesOf } from './replication-test-cluster.ts';

// RF=1 is the one-replica case of the replicated partition: the same node, lookup, produce entry
// and fetch entry as RF=3, with an ISR of the leader alone.

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function soloTopic(options: Parameters<typeof ReplicationTestCluster.create>[0] = {}, configs: Record<string, string> = {}): Promise<{ c: ReplicationTestCluster; topic: string }> {
  const c = await ReplicationTestCluster.create(options);
  cluster = c;
  const topic = await c.createTopic({ brokers: [0], minIsr: 1, configs });
  return { c, topic };
}

async function readAll(c: ReplicationTestCluster, topic: string, id = 0): Promise<Array<{ offset: number; leaderEpoch: number; value: string }>> {
  const { records, error } = await c.nodes.get(id)!.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 << 20 });
  if (error !== undefined) throw error;
  return decodeRecords(records).map((r) => ({ offset: r.offset, leaderEpoch: r.leaderEpoch, value: r.value?.toString() ?? '' }));
}

describe('a partition with one replica', () => {
  it('is led by its replica as soon as the broker has started, stamps offsets and the leader epoch, and commits at the flushed offset', async () => {
    const { c, topic } = await soloTopic();
    const node = await c.start(0);
    // start() resolves after the elections it could run at once: no waiting for a leader.
    expect(node.status(topic, 0)).toMatchObject({ role: 'leader', leaderEpoch: 0 });
    const res = await node.produce({ topic, partition: 0, records: batchOf(['a', 'b', 'c']), acks: 'all', timeoutMs: 5000 });
    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 2, logStartOffset: 0 });
    const log = node.log(topic, 0)!;
    expect(log.highWatermark).toBe(3);
    expect(log.flushedOffset).toBe(3);
    expect(await readAll(c, topic)).toEqual([{ offset: 0, leaderEpoch: 0, value: 'a' }, { offset: 1, leaderEpoch: 0, value: 'b' }, { offset: 2, leaderEpoch: 0, value: 'c' }]);
  });

  it('re-takes its partition with epoch + 1 after a clean restart and after a crash, keeping what was acknowledged', async () => {
    const { c, topic } = await soloTopic({}, { durability: 'replicated' });
    await (await c.start(0)).produce({ topic, partition: 0, records: batchOf(['one']), acks: 'all', timeoutMs: 5000 });
    await c.stop(0);
    const second = await c.start(0);
    expect(second.status(topic, 0)).toMatchObject({ role: 'leader', leaderEpoch: 1 });
    await second.produce({ topic, partition: 0, records: batchOf(['two']), acks: 'all', timeoutMs: 5000 });
    await c.nodes.get(0)!.log(topic, 0)!.flush();
    await c.crash(0);
    // `replicated` durability and no clean shutdown: a sole replica still leads on what it recovered.
    const third = await c.start(0);
    expect(third.status(topic, 0)).toMatchObject({ role: 'leader', leaderEpoch: 2 });
    await third.produce({ topic, partition: 0, records: batchOf(['three']), acks: 'all', timeoutMs: 5000 });
    expect((await readAll(c, topic)).map((r) => [r.value, r.leaderEpoch])).toEqual([['one', 0], ['two', 1], ['three', 2]]);
  });

  it('with an in-process store, takes the broker Lease a crash left behind without waiting the lease duration', async () => {
    // A clock that never moves: a restart that waited out the crashed incarnation's Lease would never finish.
    const frozen: Clock = { now: () => 0, wallNow: () => Date.now(), sleep: (_ms, signal) => new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true })) };
    const { c, topic } = await soloTopic({ clock: frozen, exclusiveStore: true });
    const first = await c.start(0);
    const epoch = first.brokerEpoch;
    await first.produce({ topic, partition: 0, records: batchOf(['kept']), acks: 'all', timeoutMs: 5000 });
    await c.crash(0);
    const restarted = await c.start(0);
    expect(restarted.brokerEpoch).toBe(epoch + 1);
    expect(restarted.status(topic, 0)?.role).toBe('leader');
    expect((await readAll(c, topic)).map((r) => r.value)).toEqual(['kept']);
  });

  it('answers NOT_LEADER with the leader as hint on a broker that does not host it, and LEADER_NOT_AVAILABLE while its broker is down', async () => {
    const c = await ReplicationTestCluster.create();
    cluster = c;
    const topic = await c.createTopic({ brokers: [1], minIsr: 1 });
    const other = await c.start(0);
    await expect(other.produce({ topic, partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'LEADER_NOT_AVAILABLE' });
    await c.start(1);
    await c.until('broker 0 to learn the leader', () => other.directory.leaderFor(topic, 0) instanceof Error && (other.directory.leaderFor(topic, 0) as { code?: string }).code === 'NOT_LEADER');
    await expect(other.produce({ topic, partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'NOT_LEADER', leaderHint: 1 });
    const fetched = await other.fetch({ topic, partition: 0, offset: 0, maxBytes: 1024 });
    expect(fetched.error).toMatchObject({ code: 'NOT_LEADER', leaderHint: 1 });
    await expect(other.produce({ topic: 'no/such', partition: 0, records: batchOf(['x']), acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'INVALID_TOPIC_NAME' });
  });

  it('validates each batch once and names the partition: nothing of a bad request is written', async () => {
    const { c, topic } = await soloTopic();
    const node = await c.start(0);
    const corrupt = batchOf(['crc']);
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] as number) ^ 0xff;
    await expect(node.produce({ topic, partition: 0, records: corrupt, acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'CORRUPT_BATCH', message: expect.stringContaining(`Cannot append to ${topic}-0: `) });
    const mixed = Buffer.concat([batchOf(['plain']), batchOf(['idem'], { producerId: 9, producerEpoch: 0, baseSequence: 0 })]);
    await expect(node.produce({ topic, partition: 0, records: mixed, acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('mixes idempotent and plain batches') });
    await expect(node.produce({ topic, partition: 0, records: Buffer.alloc(0), acks: 'all', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(node.log(topic, 0)!.logEndOffset).toBe(0);
  });

  it('answers a retried idempotent batch with its original offsets and stores it once; a sequence gap is OUT_OF_ORDER_SEQUENCE', async () => {
    const { c, topic } = await soloTopic();
    const node = await c.start(0);
    const { producerId, producerEpoch } = node.initProducerId();
    const first = batchOf(['p0', 'p1'], { producerId, producerEpoch, baseSequence: 0 });
    const original = await node.produce({ topic, partition: 0, records: first, acks: 'all', timeoutMs: 5000 });
    const retried = await node.produce({ topic, partition: 0, records: first, acks: 'all', timeoutMs: 5000 });
    expect(retried).toMatchObject({ baseOffset: original.baseOffset, lastOffset: original.lastOffset });
    await expect(node.produce({ topic, partition: 0, records: batchOf(['gap'], { producerId, producerEpoch, baseSequence: 5 }), acks: 'all', timeoutMs: 5000 })).rejects.toMatchObject({ code: 'OUT_OF_ORDER_SEQUENCE' });
    expect(valuesOf((await node.fetch({ topic, partition: 0, offset: 0, maxBytes: 1 << 20 })).records)).toEqual(['p0', 'p1']);
  });

  it('finishes appends in flight on close, then refuses new ones', async () => {
    const { c, topic } = await soloTopic();
    const node = await c.start(0);
    const inFlight = node.produce({ topic, partition: 0, records: encodeRecordBatch([{ key: null, value: Buffer.from('last') }]), acks: 'leader', timeoutMs: 5000 });
    const closing = node.close();
    await expect(inFlight).resolves.toMatchObject({ baseOffset: 0 });
    await closing;
    await expect(node.produce({ topic, partition: 0, records: batchOf(['late']), acks: 'leader', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'NOT_LEADER', message: expect.stringContaining('closing') });
  });
});
