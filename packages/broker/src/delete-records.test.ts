import { afterEach, describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecordBatch, RunnelError } from '@runnel/protocol';
import type { PartitionLog } from '@runnel/storage';
import { deleteRecords } from './delete-records.ts';
import { committedRecords, ReplicationTestCluster } from './replication/replication-test-cluster.ts';

/**
 * DeleteRecords (KIP-107) on RF=3 partitions, through the partition directory as the Admin
 * handler calls it: the leader moves its log start, the followers follow it, reads below it fail,
 * and the log start survives a failover.
 */

let cluster: ReplicationTestCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const IDS = [0, 1, 2];

async function threeBrokers(): Promise<{ c: ReplicationTestCluster; topic: string }> {
  const c = await ReplicationTestCluster.create();
  cluster = c;
  // Small segments, so a deletion also removes whole segment files.
  const topic = await c.createTopic({ brokers: IDS, minIsr: 2, configs: { 'segment.bytes': '1024' } });
  await Promise.all(IDS.map((id) => c.start(id)));
  const leader = await c.leader(topic);
  await c.until('ISR of 3', () => leader.status(topic, 0)!.state.isr.length === 3);
  return { c, topic };
}

async function produce(c: ReplicationTestCluster, topic: string, value: string): Promise<void> {
  const leader = await c.leader(topic);
  await leader.produce({ topic, partition: 0, records: encodeRecordBatch([{ key: null, value: Buffer.from(`${value}-${'x'.repeat(80)}`) }], {}), acks: 'all', timeoutMs: 5000 });
}

/** Offsets and values a replica holds from its log start to its HW. */
async function contents(log: PartitionLog): Promise<string[]> {
  return (await committedRecords(log)).map((r) => `${r.offset}:${r.value?.toString().replace(/-x+$/, '') ?? ''}`);
}

/** Waits until every running replica has the leader's log start, log end and HW, then returns the leader's records. */
async function agreed(c: ReplicationTestCluster, topic: string): Promise<string[]> {
  const expected = await contents(await c.converged(topic));
  for (const id of c.nodes.keys()) expect(await contents(c.logOf(id, topic)), `records of broker ${id}`).toEqual(expected);
  return expected;
}

async function rejection(promise: Promise<unknown>): Promise<RunnelError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(RunnelError);
  return err as RunnelError;
}

/** Ten committed records on every replica, then one follower crashed: it stays in the ISR until replicaLagMaxMs passes, so answers wait for it. */
async function withCrashedFollower(): Promise<{ c: ReplicationTestCluster; topic: string; leader: Awaited<ReturnType<ReplicationTestCluster['leader']>>; stopped: number }> {
  const { c, topic } = await threeBrokers();
  for (let i = 0; i < 10; i++) await produce(c, topic, `v${i}`);
  await agreed(c, topic);
  const leader = await c.leader(topic);
  const stopped = IDS.find((id) => id !== leader.brokerId)!;
  await c.crash(stopped);
  return { c, topic, leader, stopped };
}

describe('DeleteRecords on an RF=3 partition', () => {
  it('moves the log start on every replica, reads below it fail, and it survives a failover', async () => {
    const { c, topic } = await threeBrokers();
    for (let i = 0; i < 40; i++) await produce(c, topic, `v${i}`);
    await agreed(c, topic);
    const leader = await c.leader(topic);
    const segmentsBefore = c.logOf(leader.brokerId, topic).segmentCount;

    expect(await deleteRecords(leader.directory, topic, 0, 25)).toEqual({ lowWatermark: 25 });
    expect(c.logOf(leader.brokerId, topic).segmentCount).toBeLessThan(segmentsBefore);
    // As Kafka's, the answer came once every in-sync follower had moved its log start too.
    for (const id of IDS) expect(c.logOf(id, topic).logStartOffset, `log start of broker ${id} when DeleteRecords answered`).toBe(25);
    // A deletion at or below the log start changes nothing and answers the current log start.
    expect(await deleteRecords(leader.directory, topic, 0, 10)).toEqual({ lowWatermark: 25 });

    await produce(c, topic, 'after');
    const records = await agreed(c, topic);
    expect(records[0]).toBe('25:v25');
    expect(records.at(-1)).toBe('40:after');
    for (const id of IDS) {
      expect(c.logOf(id, topic).logStartOffset, `log start of broker ${id}`).toBe(25);
      expect((await rejection(c.logOf(id, topic).read(24, { maxBytes: 1 << 20 }))).code, `read below the log start on broker ${id}`).toBe('OFFSET_OUT_OF_RANGE');
    }
    const below = await leader.fetch({ topic, partition: 0, offset: 10, maxBytes: 1 << 20 });
    expect((below.error as RunnelError | undefined)?.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(below.logStartOffset).toBe(25);

    // Failover: the new leader serves from the same log start.
    await c.crash(leader.brokerId);
    const next = await c.leader(topic);
    expect(next.brokerId).not.toBe(leader.brokerId);
    expect(c.logOf(next.brokerId, topic).logStartOffset).toBe(25);
    const old = await next.fetch({ topic, partition: 0, offset: 24, maxBytes: 1 << 20 });
    expect((old.error as RunnelError | undefined)?.code).toBe('OFFSET_OUT_OF_RANGE');
    const kept = await next.fetch({ topic, partition: 0, offset: 25, maxBytes: 1 << 20 });
    expect(kept.error).toBeUndefined();
    expect(decodeRecords(kept.records, 25)[0]?.value?.toString()).toMatch(/^v25-/);

    // -1 deletes every committed record, on the new leader and then on its follower.
    await produce(c, topic, 'later');
    const hw = c.logOf(next.brokerId, topic).highWatermark;
    expect(await deleteRecords(next.directory, topic, 0, -1)).toEqual({ lowWatermark: hw });
    await produce(c, topic, 'last');
    expect(await agreed(c, topic)).toEqual([`${hw}:last`]);

    // The old leader comes back and follows the log start it missed.
    await c.start(leader.brokerId);
    await c.until('the restarted broker to catch up', () => c.logOf(leader.brokerId, topic).logEndOffset === hw + 1);
    expect(await agreed(c, topic)).toEqual([`${hw}:last`]);
    expect(c.logOf(leader.brokerId, topic).logStartOffset).toBe(hw);
  });

  it('answers REQUEST_TIMED_OUT, naming the follower, when an in-sync follower cannot follow in time', async () => {
    const { c, topic, leader, stopped } = await withCrashedFollower();
    const timedOut = await rejection(deleteRecords(leader.directory, topic, 0, 5, 200));
    expect(timedOut.code).toBe('REQUEST_TIMED_OUT');
    expect(timedOut.message).toContain(`follower(s) ${stopped}`);
    // The leader deleted them anyway; once the ISR has shrunk the low watermark is the live replicas'.
    expect(c.logOf(leader.brokerId, topic).logStartOffset).toBe(5);
    await c.until('the stopped follower to leave the ISR', () => leader.status(topic, 0)!.state.isr.every((m) => m.id !== stopped));
    expect(await deleteRecords(leader.directory, topic, 0, 5, 5000)).toEqual({ lowWatermark: 5 });
  });

  it('answers an unknown outcome, never NOT_LEADER, when the leader stops leading while its followers catch up', async () => {
    const { c, topic, leader, stopped } = await withCrashedFollower();
    const pending = rejection(deleteRecords(leader.directory, topic, 0, 5, 30_000));
    await c.until('the leader to delete below 5', () => c.logOf(leader.brokerId, topic).logStartOffset === 5);
    // A clean shutdown hands the partition over: this leader stops leading with its records deleted.
    await c.stop(leader.brokerId);
    const err = await pending;
    expect(err.code).toBe('REQUEST_TIMED_OUT');
    expect(err.message).toContain('whether the next leader deleted them is unknown');
    // Retrying on the new leader is safe and completes once the follower is out of the ISR.
    const next = await c.leader(topic);
    await c.until('the crashed follower to leave the ISR', () => next.status(topic, 0)!.state.isr.every((m) => m.id !== stopped), 20_000);
    expect(await deleteRecords(next.directory, topic, 0, 5, 5000)).toEqual({ lowWatermark: 5 });
  });

  it('answers bad input with a clear error naming it', async () => {
    const { c, topic } = await threeBrokers();
    for (let i = 0; i < 5; i++) await produce(c, topic, `v${i}`);
    await agreed(c, topic);
    const leader = await c.leader(topic);
    const follower = [...c.nodes.values()].find((n) => n !== leader)!;

    const above = await rejection(deleteRecords(leader.directory, topic, 0, 6));
    expect(above.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(above.message).toContain('offset 6');
    expect(above.message).toContain('high watermark 5');

    const negative = await rejection(deleteRecords(leader.directory, topic, 0, -2));
    expect(negative.code).toBe('INVALID_REQUEST');
    expect(negative.message).toContain('offset -2');
    expect(negative.message).toContain('-1 for the high watermark');

    const fraction = await rejection(deleteRecords(leader.directory, topic, 0, 1.5));
    expect(fraction.code).toBe('INVALID_REQUEST');

    const unknownTopic = await rejection(deleteRecords(leader.directory, 'no-such-topic', 0, 0));
    expect(unknownTopic.code).toBe('UNKNOWN_TOPIC');
    expect(unknownTopic.message).toContain('no-such-topic');

    const unknownPartition = await rejection(deleteRecords(leader.directory, topic, 7, 0));
    expect(unknownPartition.code).toBe('UNKNOWN_PARTITION');
    expect(unknownPartition.message).toContain('partition 7');

    const notLeader = await rejection(deleteRecords(follower.directory, topic, 0, 2));
    expect(notLeader.code).toBe('NOT_LEADER');
    expect(notLeader.leaderHint).toBe(leader.brokerId);

    // Nothing was deleted by any of them.
    for (const id of IDS) expect(c.logOf(id, topic).logStartOffset).toBe(0);
  });
});
