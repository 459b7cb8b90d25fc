import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartitionState } from '@runnel/metadata';
import { decodeRecords, encodeRecordBatch, validateBatches } from '@runnel/protocol';
import { PartitionLog, parseLogConfig } from '@runnel/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerMetrics } from './broker-metrics.ts';
import { PartitionReplica } from './partition-replica.ts';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(async () => {
  await Promise.allSettled(logs.splice(0).map((l) => l.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function state(holder: number | null, leaderEpoch: number): PartitionState {
  const h = holder === null ? null : { id: holder, brokerEpoch: 1 };
  return { topic: 'orders', partition: 3, topicId: 'id', holder: h, leaderEpoch, partitionEpoch: 0, replicas: [1], isr: h ? [h] : [], epochStartOffset: 0, proposalId: null, handoverTo: null };
}

async function replica(configs: Record<string, string>, s: PartitionState, brokerId = 1): Promise<PartitionReplica> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-replica-'));
  dirs.push(dir);
  const config = parseLogConfig(configs);
  const log = await PartitionLog.open({ dir, config, name: 'orders-3' });
  logs.push(log);
  const metrics = new BrokerMetrics({ brokerId, defaultMetrics: false, source: { partitions: () => [], offlineCount: 0 } });
  return new PartitionReplica({ brokerId, log, config, state: s, counters: metrics.topicCounters('orders') });
}

function batch(n: number): Buffer {
  return encodeRecordBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`) })));
}

describe('PartitionReplica', () => {
  it('as leader: stamps offsets and its epoch; the HW follows the flushed offset in fsync durability', async () => {
    const r = await replica({}, state(1, 4));
    expect(r.role).toBe('leader');
    const res = await r.append(batch(3), 3);
    expect(res).toMatchObject({ baseOffset: 0, lastOffset: 2 });
    expect(r.highWatermark).toBe(3);
    expect(r.log.flushedOffset).toBe(3);
    const read = await r.log.read(0, { maxBytes: 1 << 20 });
    expect(decodeRecords(read.records).map((x) => [x.offset, x.leaderEpoch])).toEqual([[0, 4], [1, 4], [2, 4]]);
    expect(validateBatches(read.records, { maxBatchBytes: 1 << 20 })).toHaveLength(1);
  });

  it('as follower: refuses client appends with NOT_LEADER naming the leader', async () => {
    const r = await replica({}, state(2, 0));
    expect(r.role).toBe('follower');
    await expect(r.append(batch(1), 1)).rejects.toMatchObject({ code: 'NOT_LEADER', leaderHint: 2, message: expect.stringContaining('broker 2 does') });
    const none = await replica({}, state(null, -1));
    await expect(none.append(batch(1), 1)).rejects.toMatchObject({ code: 'LEADER_NOT_AVAILABLE' });
    expect(r.log.logEndOffset).toBe(0);
  });

  it('waitForHighWatermark resolves on the append that commits the offset, and times out naming the offset', async () => {
    const r = await replica({}, state(1, 0));
    const waiting = r.waitForHighWatermark(1, 10_000);
    await r.append(batch(2), 2);
    await expect(waiting).resolves.toBeUndefined();
    await expect(r.waitForHighWatermark(5, 20)).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT', message: expect.stringContaining('Offset 5 of orders-3') });
  });

  it('losing leadership wakes waiters with NOT_LEADER', async () => {
    const r = await replica({}, state(1, 0));
    const waiting = r.waitForHighWatermark(0, 10_000);
    r.applyState(state(7, 1));
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_LEADER', leaderHint: 7 });
  });

  it('close waits for appends in flight, then refuses new ones', async () => {
    const r = await replica({}, state(1, 0));
    const inFlight = r.append(batch(2), 2);
    const closing = r.close();
    await expect(inFlight).resolves.toMatchObject({ baseOffset: 0 });
    await closing;
    await expect(r.append(batch(1), 1)).rejects.toMatchObject({ code: 'NOT_LEADER', message: expect.stringContaining('closing') });
  });
});
