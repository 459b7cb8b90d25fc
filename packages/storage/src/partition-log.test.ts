import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeRecords, readBatchHeader, type RunnelError } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

function values(buf: Buffer, from = 0): string[] {
  return decodeRecords(buf, from).map((r) => r.value?.toString() ?? 'null');
}

describe('PartitionLog append and read', () => {
  it('assigns dense offsets in call order to concurrent appends and returns the bytes as stored', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig(), name: 'orders-0' });
    const results = await Promise.all([
      log.append(batchOf(3, 'a'), { leaderEpoch: 5, assignOffsets: true }),
      log.append(batchOf(2, 'b'), { leaderEpoch: 5, assignOffsets: true }),
      log.append(batchOf(4, 'c'), { leaderEpoch: 5, assignOffsets: true }),
    ]);
    expect(results.map((r) => [r.baseOffset, r.lastOffset])).toEqual([[0, 2], [3, 4], [5, 8]]);
    expect(log.logEndOffset).toBe(9);
    expect(log.flushedOffset).toBe(9);
    const { records, firstOffset } = await log.read(0, { maxBytes: 1 << 20 });
    expect(firstOffset).toBe(0);
    expect(values(records)).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1', 'c-0', 'c-1', 'c-2', 'c-3']);
    expect(readBatchHeader(records, 0).partitionLeaderEpoch).toBe(5);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 5, startOffset: 0 }]);
    await log.close();
  });

  it('starts a read at the batch holding the offset, returns at least one batch and stops at maxBytes and maxOffset', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    for (let i = 0; i < 10; i++) await log.append(batchOf(5, `x${i}`, { valueBytes: 100 }), { leaderEpoch: 0, assignOffsets: true });
    const one = await log.read(12, { maxBytes: 1 });
    expect(one.firstOffset).toBe(10);
    expect(decodeRecords(one.records).map((r) => r.offset)).toEqual([10, 11, 12, 13, 14]);
    const capped = await log.read(0, { maxBytes: 1 << 20, maxOffset: 20 });
    expect(decodeRecords(capped.records).at(-1)?.offset).toBe(19);
    const midBatchLimit = await log.read(0, { maxBytes: 1 << 20, maxOffset: 17 });
    expect(decodeRecords(midBatchLimit.records).at(-1)?.offset).toBe(14);
    const atEnd = await log.read(50, { maxBytes: 100 });
    expect(atEnd.records.length).toBe(0);
    await log.close();
  });

  it('reads batches larger than the read path\'s 64 KiB walk chunk, alone and after smaller ones', async () => {
    // Regression: a batch over the walk chunk was reported as "the file ended inside the batch"
    // and reads returned nothing (found by the broker with 256 KiB producer batches).
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 8 << 20 }), name: 'big-0' });
    await log.append(batchOf(2, 'small', { valueBytes: 100 }), { leaderEpoch: 0, assignOffsets: true });
    for (let i = 0; i < 3; i++) await log.append(batchOf(1, `big${i}`, { valueBytes: 300 * 1024 }), { leaderEpoch: 0, assignOffsets: true });
    for (const offset of [0, 2, 3, 4]) {
      const { records, firstOffset } = await log.read(offset, { maxBytes: 1 });
      expect(firstOffset).toBe(offset < 2 ? 0 : offset);
      const read = decodeRecords(records);
      expect(read[0]?.offset).toBe(firstOffset);
      if (offset >= 2) expect(read[0]?.value?.length).toBe(300 * 1024);
    }
    const all = await log.read(0, { maxBytes: 4 << 20 });
    expect(decodeRecords(all.records).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4]);
    await log.close();
  });

  it('rejects reads outside the log with OFFSET_OUT_OF_RANGE naming the range', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig(), name: 't-1' });
    await log.append(batchOf(3, 'a'), { leaderEpoch: 0, assignOffsets: true });
    await expect(log.read(4, { maxBytes: 100 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE', message: expect.stringContaining('offsets 0 to 3') as string });
    await expect(log.read(-1, { maxBytes: 100 })).rejects.toMatchObject({ code: 'OFFSET_OUT_OF_RANGE' });
    await log.close();
  });

  it('rolls segments by size and reads across them after a clean reopen without rescanning', async () => {
    const config = testConfig({ segmentBytes: 4096 });
    const log = await PartitionLog.open({ dir, config });
    for (let i = 0; i < 40; i++) await log.append(batchOf(4, `r${i}`, { valueBytes: 50 }), { leaderEpoch: 1, assignOffsets: true });
    expect(log.segmentCount).toBeGreaterThan(2);
    const size = log.sizeBytes;
    await log.close();
    const logger = recordingLogger();
    const reopened = await PartitionLog.open({ dir, config, logger });
    expect(reopened.logEndOffset).toBe(160);
    expect(reopened.sizeBytes).toBe(size);
    expect(reopened.recoveryTruncations).toEqual([]);
    for (const offset of [0, 37, 99, 159]) {
      const { records } = await reopened.read(offset, { maxBytes: 1 });
      expect(decodeRecords(records, offset)[0]?.offset).toBe(offset);
    }
    await reopened.close();
  });

  it('rolls by age (segment.ms) measured from the first append', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentMs: 1 }) });
    await log.append(batchOf(1, 'a'), { leaderEpoch: 0, assignOffsets: true });
    const start = Date.now();
    while (Date.now() - start < 3) { /* let 1 ms of wall clock pass */ }
    await log.append(batchOf(1, 'b'), { leaderEpoch: 0, assignOffsets: true });
    expect(log.segmentBaseOffsets()).toEqual([0, 1]);
    await log.close();
  });

  it('checks follower appends continue the log and records their epochs', async () => {
    const leaderDir = await makeTempDir();
    const leader = await PartitionLog.open({ dir: leaderDir, config: testConfig() });
    await leader.append(batchOf(2, 'a'), { leaderEpoch: 3, assignOffsets: true });
    await leader.append(batchOf(2, 'b'), { leaderEpoch: 4, assignOffsets: true });
    const { records } = await leader.read(0, { maxBytes: 1 << 20 });
    const follower = await PartitionLog.open({ dir, config: testConfig() });
    await follower.append(Buffer.from(records), { leaderEpoch: 4, assignOffsets: false });
    expect(follower.logEndOffset).toBe(4);
    expect(follower.leaderEpochs.entries()).toEqual([{ epoch: 3, startOffset: 0 }, { epoch: 4, startOffset: 2 }]);
    await expect(follower.append(Buffer.from(records), { leaderEpoch: 4, assignOffsets: false }))
      .rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('does not continue the log at offset 4') as string });
    await leader.close();
    await follower.close();
    await removeDir(leaderDir);
  });

  it('refuses a follower append while an append of its own is being written, naming the log end and the offsets handed out', async () => {
    const otherDir = await makeTempDir();
    const other = await PartitionLog.open({ dir: otherDir, config: testConfig() });
    await other.append(batchOf(2, 'a'), { leaderEpoch: 3, assignOffsets: true });
    await other.append(batchOf(2, 'new'), { leaderEpoch: 4, assignOffsets: true });
    const { records } = await other.read(2, { maxBytes: 1 << 20 });
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(2, 'a'), { leaderEpoch: 3, assignOffsets: true });
    // Offsets 2..3 are handed out at once; the write completes later.
    const own = log.append(batchOf(2, 'own'), { leaderEpoch: 3, assignOffsets: true });
    await expect(log.append(Buffer.from(records), { leaderEpoch: 4, assignOffsets: false })).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: expect.stringContaining('does not continue the log at offset 4 (the log ends at 2; offsets up to 3 are handed out to appends still being written)') as string,
    });
    await expect(own).resolves.toMatchObject({ baseOffset: 2, lastOffset: 3 });
    // Once written, offset assignment and the log end agree again: truncation (here, to the divergence) works.
    await log.truncateTo(2);
    await log.append(Buffer.from(records), { leaderEpoch: 4, assignOffsets: false });
    expect(values((await log.read(0, { maxBytes: 1 << 20 })).records)).toEqual(['a-0', 'a-1', 'new-0', 'new-1']);
    await other.close();
    await log.close();
    await removeDir(otherDir);
  });

  it('fences a leader append with an epoch older than the log holds', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(1, 'a'), { leaderEpoch: 7, assignOffsets: true });
    await expect(log.append(batchOf(1, 'b'), { leaderEpoch: 6, assignOffsets: true })).rejects.toMatchObject({ code: 'FENCED_LEADER_EPOCH' });
    expect(log.logEndOffset).toBe(1);
    await log.close();
  });

  it('rejects malformed and oversized input with clear errors and writes nothing', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ maxBatchBytes: 200 }) });
    const torn = batchOf(2, 'a').subarray(0, 40);
    await expect(log.append(torn, { leaderEpoch: 0, assignOffsets: true })).rejects.toMatchObject({ code: 'CORRUPT_BATCH' });
    await expect(log.append(batchOf(20, 'big', { valueBytes: 20 }), { leaderEpoch: 0, assignOffsets: true })).rejects.toMatchObject({ code: 'RECORD_TOO_LARGE' });
    await expect(log.append(Buffer.alloc(0), { leaderEpoch: 0, assignOffsets: true })).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    expect(log.logEndOffset).toBe(0);
    expect(log.sizeBytes).toBe(0);
    await log.close();
  });

  it('stamps LogAppendTime and reports it', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ timestampType: 'logAppend' }) });
    const before = Date.now();
    const result = await log.append(batchOf(2, 'a', { timestamp: 5 }), { leaderEpoch: 0, assignOffsets: true });
    expect(result.logAppendTime).toBeGreaterThanOrEqual(before);
    const { records } = await log.read(0, { maxBytes: 1000 });
    expect(decodeRecords(records).map((r) => r.timestamp)).toEqual([result.logAppendTime, result.logAppendTime]);
    await log.close();
  });
});

describe('PartitionLog offsets and truncation', () => {
  it('finds offsets by timestamp through the time index', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 2048, indexIntervalBytes: 128 }) });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `t${i}`, { timestamp: 1000 + i * 10, valueBytes: 40 }), { leaderEpoch: 0, assignOffsets: true });
    expect(await log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 1000 });
    expect(await log.offsetForTimestamp(1155)).toEqual({ offset: 32, timestamp: 1160 });
    expect(await log.offsetForTimestamp(1290)).toEqual({ offset: 58, timestamp: 1290 });
    expect(await log.offsetForTimestamp(5000)).toBeNull();
    await log.close();
  });

  it('truncates to a batch boundary across segments and keeps epochs, high watermark and appends consistent', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024 }) });
    for (let i = 0; i < 20; i++) await log.append(batchOf(3, `v${i}`, { valueBytes: 60 }), { leaderEpoch: i < 10 ? 1 : 2, assignOffsets: true });
    log.highWatermark = 60;
    await log.truncateTo(31);
    expect(log.logEndOffset).toBe(30);
    expect(log.highWatermark).toBe(30);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    const next = await log.append(batchOf(1, 'after'), { leaderEpoch: 3, assignOffsets: true });
    expect(next.baseOffset).toBe(30);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024 }) });
    expect(reopened.logEndOffset).toBe(31);
    const { records } = await reopened.read(29, { maxBytes: 1 << 20 });
    expect(values(records, 29).map((v) => v.replace(/\.+$/, ''))).toEqual(['v9-2', 'after-0']);
    await reopened.close();
  });

  it('truncates to the log start, keeps working and survives a reopen (regression found by the property test)', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(2, 'gone'), { leaderEpoch: 1, assignOffsets: true });
    await log.truncateTo(0);
    expect(log.logEndOffset).toBe(0);
    expect(log.leaderEpochs.entries()).toEqual([]);
    await log.append(batchOf(1, 'kept'), { leaderEpoch: 1, assignOffsets: true });
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig() });
    expect(reopened.logEndOffset).toBe(1);
    expect(values((await reopened.read(0, { maxBytes: 100 })).records)).toEqual(['kept-0']);
    await reopened.close();
  });

  it('checkpoints a changed high watermark periodically, so a crash keeps it', async () => {
    const { readFile } = await import('node:fs/promises');
    const log = await PartitionLog.open({ dir, config: testConfig(), highWatermarkCheckpointMs: 5 });
    await log.append(batchOf(5, 'a'), { leaderEpoch: 0, assignOffsets: true });
    log.highWatermark = 3;
    const deadline = Date.now() + 5000;
    let content = '';
    while (!content.endsWith('\n3\n') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
      content = await readFile(`${dir}/high-watermark-checkpoint`, 'utf8').catch(() => '');
    }
    expect(content).toBe('0\n1\n3\n');
    await log.close();
  });

  it('keeps the high watermark monotonic and within the log', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(5, 'a'), { leaderEpoch: 0, assignOffsets: true });
    log.highWatermark = 4;
    log.highWatermark = 2;
    expect(log.highWatermark).toBe(4);
    expect(() => {
      log.highWatermark = 6;
    }).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }) as RunnelError);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig() });
    expect(reopened.highWatermark).toBe(4);
    await reopened.close();
  });
});
