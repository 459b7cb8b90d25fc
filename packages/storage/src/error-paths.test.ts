import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { PartitionLog, HIGH_WATERMARK_CHECKPOINT, RECOVERY_POINT_CHECKPOINT } from './partition-log.ts';
import { DataDirectory } from './data-directory.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';
import { faultyIo } from './testing/faulty-io.ts';
import { decodeRecords } from '@runnel/protocol';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const leader = { leaderEpoch: 1, assignOffsets: true } as const;

describe('error paths', () => {
  it('rejects reads and appends on a closed log', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig(), name: 'closed-0' });
    await log.append(batchOf(1, 'a'), leader);
    await log.close();
    await expect(log.read(0, { maxBytes: 10 })).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('closed-0: the log is closed') as string });
    await expect(log.offsetForTimestamp(0)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await expect(log.append(batchOf(1, 'b'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });

  it('refuses to truncate while appends are in flight', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(3, 'a'), leader);
    const pending = log.append(batchOf(1, 'b'), leader);
    await expect(log.truncateTo(1)).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('appends are in flight') as string });
    await pending;
    await log.truncateTo(1);
    expect(log.logEndOffset).toBe(0);
    await log.close();
  });

  it('rejects a follower batch from an older leader epoch than the log holds', async () => {
    const source = await makeTempDir();
    const leaderLog = await PartitionLog.open({ dir: source, config: testConfig() });
    await leaderLog.append(batchOf(1, 'old'), { leaderEpoch: 1, assignOffsets: true });
    const { records } = await leaderLog.read(0, { maxBytes: 1000 });
    await leaderLog.close();
    await removeDir(source);
    const follower = await PartitionLog.open({ dir, config: testConfig() });
    await follower.leaderEpochs.assign(4, 0);
    await expect(follower.append(Buffer.from(records), { leaderEpoch: 4, assignOffsets: false }))
      .rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('leader epoch 1, older than the log\'s latest epoch 4') as string });
    await follower.close();
  });

  it('rejects a high watermark that is not an integer', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    expect(() => {
      log.highWatermark = 0.5;
    }).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }) as Error);
    await log.close();
  });

  it('recovers every segment when the recovery point checkpoint is unreadable, and ignores a damaged high watermark', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(3, 'a'), leader);
    log.highWatermark = 3;
    await log.close();
    await writeFile(`${dir}/${RECOVERY_POINT_CHECKPOINT}`, 'garbage');
    await writeFile(`${dir}/${HIGH_WATERMARK_CHECKPOINT}`, '0\n1\nx\n');
    const logger = recordingLogger();
    const reopened = await PartitionLog.open({ dir, config: testConfig(), logger });
    expect(reopened.logEndOffset).toBe(3);
    expect(reopened.highWatermark).toBe(0);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg.includes('recovery point'))).toBe(true);
    await reopened.close();
  });

  it('refuses to open a log whose segments overlap', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await log.append(batchOf(5, 'a'), leader);
    await log.close();
    await copyFile(`${dir}/00000000000000000000.log`, `${dir}/00000000000000000002.log`);
    await writeFile(`${dir}/${RECOVERY_POINT_CHECKPOINT}`, '0\n1\n0\n');
    await expect(PartitionLog.open({ dir, config: testConfig() })).rejects.toMatchObject({ name: 'LogCorruptionError', message: expect.stringContaining('past the base offset 2 of the next segment') as string });
  });

  it('refuses to open partitions after the data directory is closed', async () => {
    const dd = await DataDirectory.open({ path: dir, clusterId: 'c', brokerId: 0 });
    await dd.close({ clean: true });
    await expect(dd.openPartition('t', 0, randomUUID(), testConfig())).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
  });

  it('fails the log when the leader-epoch checkpoint cannot be written', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig(), io, logger: recordingLogger() });
    io.failOpen = (path) => (path.endsWith('leader-epoch-checkpoint.tmp') ? 'EACCES' : undefined);
    await expect(log.append(batchOf(1, 'a'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('leader-epoch checkpoint') as string });
    io.failOpen = undefined;
    await expect(log.append(batchOf(1, 'b'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await log.close();
  });

  it('leaves the original segment readable when a compaction swap fails, and a valid log on reopen', async () => {
    const io = faultyIo();
    const config = testConfig({ segmentBytes: 1024, cleanupPolicy: 'compact' });
    const log = await PartitionLog.open({ dir, config, io });
    for (let i = 0; i < 30; i++) await log.append(batchOf(2, `c${i}`, { keys: 2, valueBytes: 60 }), leader);
    log.highWatermark = log.logEndOffset;
    io.failRename = (from) => (from.endsWith('.log.cleaned') ? 'EIO' : undefined);
    await expect(log.compact(2e12)).rejects.toMatchObject({ code: 'EIO' });
    const { records } = await log.read(0, { maxBytes: 1 << 20 });
    expect(decodeRecords(records)[0]?.value?.toString()).toMatch(/^c0-0/);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config });
    expect(reopened.logEndOffset).toBe(60);
    expect((await reopened.verify()).problems).toEqual([]);
    await reopened.close();
  });

  it('rejects a bad leader epoch and a batch with a negative lastOffsetDelta before assigning offsets', async () => {
    const log = await PartitionLog.open({ dir, config: testConfig() });
    await expect(log.append(batchOf(1, 'a'), { leaderEpoch: -1, assignOffsets: true })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('leader epoch -1') as string });
    const bad = batchOf(2, 'b');
    bad.writeInt32BE(-5, 23);
    await expect(log.append(bad, leader)).rejects.toMatchObject({ code: 'CORRUPT_BATCH', message: expect.stringContaining('negative lastOffsetDelta') as string });
    await expect(log.append(batchOf(1, 'c'), leader)).resolves.toMatchObject({ baseOffset: 0 });
    await log.close();
  });
});
