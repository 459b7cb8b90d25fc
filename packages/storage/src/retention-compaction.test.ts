import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdir, writeFile } from 'node:fs/promises';
import { decodeRecords, encodeRecordBatch, type ConsumedRecord } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { batchOf, makeTempDir, removeDir, testConfig } from './testing/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const leader = { leaderEpoch: 2, assignOffsets: true } as const;

async function readAll(log: PartitionLog): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = await log.read(offset, { maxBytes: 1 << 20 });
    const decoded = decodeRecords(records, offset);
    if (decoded.length === 0) break;
    out.push(...decoded);
    offset = decoded.at(-1)!.offset + 1;
  }
  return out;
}

describe('retention', () => {
  it('deletes whole closed segments older than retention.ms, never the active one, and advances the log start', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: 1000 }) });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `r${i}`, { timestamp: 10_000 + i * 100, valueBytes: 60 }), leader);
    log.highWatermark = log.logEndOffset;
    const bases = log.segmentBaseOffsets();
    // now - 1000 = 11_000: segments whose newest record is before 11_000 go.
    const { deletedSegments } = await log.enforceRetention(12_000);
    expect(deletedSegments).toBeGreaterThan(0);
    expect(log.logStartOffset).toBe(bases[deletedSegments]);
    const first = (await readAll(log))[0]!;
    expect(first.offset).toBe(log.logStartOffset);
    expect(first.timestamp).toBeGreaterThanOrEqual(10_000);
    await expect(log.read(0, { maxBytes: 100 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    const all = await log.enforceRetention(1e12);
    expect(log.segmentCount).toBe(1);
    expect(all.deletedSegments).toBe(bases.length - deletedSegments - 1);
    expect(log.logStartOffset).toBe(bases.at(-1));
    await log.close();
  });

  it('deletes oldest segments beyond retention.bytes but keeps data at or above the high watermark', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionBytes: 2048, retentionMs: -1 }) });
    for (let i = 0; i < 40; i++) await log.append(batchOf(2, `b${i}`, { valueBytes: 60 }), leader);
    expect(await log.enforceRetention()).toEqual({ deletedSegments: 0 });
    log.highWatermark = log.logEndOffset;
    await log.enforceRetention();
    expect(log.sizeBytes).toBeGreaterThanOrEqual(2048);
    expect(log.sizeBytes - (await firstSegmentSize())).toBeLessThan(2048);
    await log.close();
  });

  it('moves the epoch cache start with the log start', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: 0 }) });
    for (let i = 0; i < 20; i++) await log.append(batchOf(2, `e${i}`, { timestamp: 1, valueBytes: 60 }), { leaderEpoch: i < 5 ? 1 : 2, assignOffsets: true });
    log.highWatermark = log.logEndOffset;
    await log.enforceRetention(10);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 2, startOffset: log.logStartOffset }]);
    await log.close();
  });
});

async function firstSegmentSize(): Promise<number> {
  const { stat } = await import('node:fs/promises');
  const logs = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
  return (await stat(`${dir}/${logs[0]}`)).size;
}

describe('advancing the log start (a follower following its leader)', () => {
  it('hides offsets below the new start, deletes whole segments below it, caps at the HW and survives a reopen', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: -1 }) });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `r${i}`, { valueBytes: 60 }), leader);
    const bases = log.segmentBaseOffsets();
    expect(bases.length).toBeGreaterThan(3);
    // Capped at the high watermark: nothing uncommitted is given up.
    log.highWatermark = 10;
    const capped = await log.advanceLogStartOffset(40);
    expect(capped.logStartOffset).toBe(10);
    log.highWatermark = log.logEndOffset;
    // A start inside the third segment: the first two go, the third stays but its head is unreadable.
    const target = bases[2]! + 2;
    const { logStartOffset, deletedSegments } = await log.advanceLogStartOffset(target);
    expect(logStartOffset).toBe(target);
    expect(capped.deletedSegments + deletedSegments).toBe(2);
    expect(log.segmentBaseOffsets()[0]).toBe(bases[2]);
    expect(log.logStartOffset).toBe(target);
    await expect(log.read(target - 1, { maxBytes: 1 << 20 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    expect((await readAll(log))[0]!.offset).toBeLessThanOrEqual(target);
    // Never backwards.
    expect((await log.advanceLogStartOffset(bases[1]!)).logStartOffset).toBe(target);
    await expect(log.advanceLogStartOffset(Number.NaN)).rejects.toThrow(/must be an integer/);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: -1 }) });
    expect(reopened.logStartOffset).toBe(target);
    expect(reopened.leaderEpochs.entries()[0]?.startOffset).toBe(target);
    await reopened.close();
  });

  it('restarts an empty log at the leader\'s start, then takes the leader\'s batches from there', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: -1 }) });
    for (let i = 0; i < 5; i++) await log.append(batchOf(2, `r${i}`), leader);
    log.highWatermark = log.logEndOffset;
    await log.truncateFullyAndStartAt(100);
    expect([log.logStartOffset, log.logEndOffset, log.highWatermark]).toEqual([100, 100, 100]);
    expect(log.leaderEpochs.latestEpoch).toBe(-1);
    await expect(log.truncateFullyAndStartAt(-1)).rejects.toThrow(/non-negative integer/);
    const copy = batchOf(2, 'from-leader');
    copy.writeBigInt64BE(100n, 0);
    await log.append(copy, { leaderEpoch: 3, assignOffsets: false });
    expect(log.logEndOffset).toBe(102);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024, retentionMs: -1 }) });
    expect([reopened.logStartOffset, reopened.logEndOffset]).toEqual([100, 102]);
    await reopened.close();
  });
});

describe('compaction', () => {
  const compacted = testConfig({ segmentBytes: 1024, cleanupPolicy: 'compact', deleteRetentionMs: 1000 });

  it('does not swap in a compacted segment that a truncation cut while the pass ran (a follower cutting a divergent suffix)', async () => {
    const log = await PartitionLog.open({ dir, config: compacted });
    for (let i = 0; i < 30; i++) await log.append(encodeRecordBatch([{ key: Buffer.from(`k${i % 3}`), value: Buffer.from(`v${i}`.padEnd(60, '.')) }], { now: 5000 }), leader);
    log.highWatermark = log.logEndOffset;
    const cut = log.segmentBaseOffsets()[0]! + 3;
    // The truncation takes the write lane before the pass swaps its result in.
    const pass = log.compact(1e9);
    await log.truncateTo(cut);
    // The pass may also fail on a later segment the truncation deleted (maintenance logs that and retries next time).
    await pass.catch((err: unknown) => expect(String(err)).toMatch(/closed/));
    expect(log.logEndOffset).toBe(cut);
    const left = await readAll(log);
    expect(left.every((r) => r.offset < cut)).toBe(true);
    expect((await log.verify()).problems).toEqual([]);
    await log.close();
  });

  it('keeps the latest record per key in closed segments, preserving offsets, producer ids and epochs', async () => {
    const log = await PartitionLog.open({ dir, config: compacted });
    for (let i = 0; i < 30; i++) {
      const batch = encodeRecordBatch([
        { key: Buffer.from(`k${i % 3}`), value: Buffer.from(`v${i}`.padEnd(60, '.')) },
        { key: Buffer.from(`u${i}`), value: Buffer.from(`unique${i}`) },
      ], { producerId: 77, producerEpoch: 3, baseSequence: i * 2, now: 5000 });
      await log.append(batch, leader);
    }
    log.highWatermark = log.logEndOffset;
    const before = await readAll(log);
    const { removedRecords } = await log.compact(1e9);
    expect(removedRecords).toBeGreaterThan(0);
    const after = await readAll(log);
    expect(before.length - after.length).toBe(removedRecords);
    // Every surviving record is byte-identical to the original at the same offset.
    const byOffset = new Map(before.map((r) => [r.offset, r]));
    for (const r of after) {
      const original = byOffset.get(r.offset)!;
      expect(r.key).toEqual(original.key);
      expect(r.value).toEqual(original.value);
      expect(r.leaderEpoch).toBe(2);
    }
    // Unique keys all survive; for k0..k2 only the newest version in the cleaned range and the active segment remain.
    expect(after.filter((r) => r.key?.toString().startsWith('u')).length).toBe(30);
    const latestPerKey = new Map<string, number>();
    for (const r of before) latestPerKey.set(r.key!.toString(), r.offset);
    for (const [key, offset] of latestPerKey) expect(after.some((r) => r.offset === offset && r.key?.toString() === key)).toBe(true);
    expect((await log.verify()).problems).toEqual([]);
    const { records } = await log.read(after[0]!.offset, { maxBytes: 1 << 20 });
    const { readBatchHeader } = await import('@runnel/protocol');
    expect(readBatchHeader(records, 0)).toMatchObject({ producerId: 77, producerEpoch: 3 });
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: compacted });
    expect((await readAll(reopened)).map((r) => r.offset)).toEqual(after.map((r) => r.offset));
    await reopened.close();
  });

  it('removes tombstones only after delete.retention.ms and drops records without a key', async () => {
    const log = await PartitionLog.open({ dir, config: compacted });
    await log.append(encodeRecordBatch([{ key: Buffer.from('a'), value: Buffer.from('1') }, { key: null, value: Buffer.from('keyless') }], { now: 5000 }), leader);
    await log.append(encodeRecordBatch([{ key: Buffer.from('a'), value: null }], { now: 5000 }), leader);
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `fill${i}`, { keys: 1000, valueBytes: 60, timestamp: 5000 }), leader);
    log.highWatermark = log.logEndOffset;
    await log.compact(5500);
    let left = await readAll(log);
    expect(left.filter((r) => r.offset < 3).map((r) => [r.offset, r.value])).toEqual([[2, null]]);
    await log.compact(7000);
    left = await readAll(log);
    expect(left.filter((r) => r.offset < 3)).toEqual([]);
    expect(log.logStartOffset).toBe(0);
    await log.close();
  });

  it('does not touch the active segment, segments above the high watermark or younger than min.compaction.lag.ms', async () => {
    const log = await PartitionLog.open({ dir, config: { ...compacted, minCompactionLagMs: 10_000 } });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `same${i}`, { keys: 1, valueBytes: 60, timestamp: 5000 }), leader);
    expect(await log.compact(1e9)).toEqual({ removedRecords: 0 });
    log.highWatermark = log.logEndOffset;
    expect(await log.compact(6000)).toEqual({ removedRecords: 0 });
    const { removedRecords } = await log.compact(1e9);
    const after = await readAll(log);
    expect(removedRecords).toBe(60 - after.length);
    expect(after.at(-1)!.offset).toBe(59);
    await log.close();
  });

  it('leaves a valid log when a crash interrupted the swap', async () => {
    const log = await PartitionLog.open({ dir, config: compacted });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `c${i}`, { keys: 2, valueBytes: 60 }), leader);
    await log.close();
    await writeFile(`${dir}/00000000000000000000.log.cleaned`, Buffer.alloc(100, 1));
    const reopened = await PartitionLog.open({ dir, config: compacted });
    expect(reopened.logEndOffset).toBe(60);
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });
});
