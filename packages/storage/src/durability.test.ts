import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import diagnosticsChannel from 'node:diagnostics_channel';
import { decodeRecords } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { storageChannels, type FsyncEvent } from './storage-events.ts';
import { faultyIo } from './testing/faulty-io.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const leader = { leaderEpoch: 0, assignOffsets: true } as const;

describe('group commit (durability fsync)', () => {
  it('acknowledges an append only after an fdatasync that started after its write, and shares syncs between appends', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig(), io });
    const gate = Promise.withResolvers<void>();
    io.datasyncGate = gate.promise;
    const syncsBefore = io.datasyncs;
    const acked: number[] = [];
    const first = log.append(batchOf(1, 'a'), leader).then((r) => acked.push(r.baseOffset));
    // Wait until the first sync is in flight (held by the gate), then queue more appends.
    await vi_waitFor(() => io.datasyncs > syncsBefore);
    const rest = Array.from({ length: 20 }, (_, i) => log.append(batchOf(1, `b${i}`), leader).then((r) => acked.push(r.baseOffset)));
    // All 21 are written (readable) but none is acknowledged while the sync is held.
    await vi_waitFor(() => log.logEndOffset === 21);
    expect(acked).toEqual([]);
    expect(log.flushedOffset).toBe(0);
    io.datasyncGate = undefined;
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(acked.sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    // One sync for the first append, and one shared by the 20 that arrived while it was in flight.
    expect(io.datasyncs - syncsBefore).toBe(2);
    expect(log.flushedOffset).toBe(21);
    await log.close();
  });

  it('publishes fsync latency on a diagnostics channel', async () => {
    const events: FsyncEvent[] = [];
    const listener = (msg: unknown): void => {
      events.push(msg as FsyncEvent);
    };
    diagnosticsChannel.subscribe(storageChannels.fsync, listener);
    try {
      const log = await PartitionLog.open({ dir, config: testConfig(), name: 'metrics-0' });
      await log.append(batchOf(2, 'a'), leader);
      await log.close();
    } finally {
      diagnosticsChannel.unsubscribe(storageChannels.fsync, listener);
    }
    const mine = events.filter((e) => e.log === 'metrics-0');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(mine[0]!.appends).toBe(1);
  });

  it('fails the log for good when an fdatasync fails: waiting and later appends get STORAGE_ERROR', async () => {
    const io = faultyIo();
    const logger = recordingLogger();
    const log = await PartitionLog.open({ dir, config: testConfig(), io, logger, name: 'fsync-0' });
    await log.append(batchOf(1, 'ok'), leader);
    io.failDatasync = 'EIO';
    await expect(log.append(batchOf(1, 'lost'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('fdatasync failed') as string });
    io.failDatasync = undefined;
    await expect(log.append(batchOf(1, 'after'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    await log.close();
  });
});

describe('durability replicated', () => {
  it('acknowledges after the write and flushes in the background', async () => {
    const io = faultyIo();
    const gate = Promise.withResolvers<void>();
    const log = await PartitionLog.open({ dir, config: testConfig({ durability: 'replicated', flushIntervalMs: 5 }), io });
    io.datasyncGate = gate.promise;
    const result = await log.append(batchOf(3, 'a'), leader);
    expect(result.lastOffset).toBe(2);
    expect(log.flushedOffset).toBe(0);
    io.datasyncGate = undefined;
    gate.resolve();
    await vi_waitFor(() => log.flushedOffset === 3);
    await log.close();
  });
});

describe('configuration changes', () => {
  it('switches from replicated to fsync durability for the next append', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig({ durability: 'replicated', flushIntervalMs: 60_000 }), io });
    const gate = Promise.withResolvers<void>();
    io.datasyncGate = gate.promise;
    await log.append(batchOf(1, 'fast'), leader);
    log.updateConfig(testConfig({ durability: 'fsync' }));
    expect(log.config.durability).toBe('fsync');
    let acked = false;
    const slow = log.append(batchOf(1, 'synced'), leader).then(() => {
      acked = true;
    });
    await vi_waitFor(() => log.logEndOffset === 2 && io.datasyncs > 0);
    expect(acked).toBe(false);
    io.datasyncGate = undefined;
    gate.resolve();
    await slow;
    expect(log.flushedOffset).toBe(2);
    await log.close();
  });
});

describe('disk full (injected through the StorageIo seam)', () => {
  it('gives DISK_FULL, removes the partial write, stays readable, and appends again once space is back', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig(), io, name: 'full-0' });
    await log.append(batchOf(2, 'before'), leader);
    const size = log.sizeBytes;
    io.failNextLogWrite = { code: 'ENOSPC', partialBytes: 17 };
    const failed = log.append(batchOf(2, 'x'), leader);
    const queued = log.append(batchOf(2, 'y'), leader);
    await expect(failed).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('the 17 bytes partly written were removed') as string });
    await expect(queued).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(log.sizeBytes).toBe(size);
    expect(log.logEndOffset).toBe(2);
    const { records } = await log.read(0, { maxBytes: 1 << 20 });
    expect(decodeRecords(records).map((r) => r.value?.toString())).toEqual(['before-0', 'before-1']);
    const again = await log.append(batchOf(1, 'later'), leader);
    expect(again.baseOffset).toBe(2);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config: testConfig() });
    expect(reopened.logEndOffset).toBe(3);
    expect(reopened.recoveryTruncations).toEqual([]);
    await reopened.close();
  });

  it('gives DISK_FULL when the disk fills while starting a new segment, and rolls once space is back', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig({ segmentBytes: 1024 }), io });
    // Fill the first segment until the next ~280-byte append must roll.
    while (log.sizeBytes + 300 < 1024) await log.append(batchOf(1, 'fill', { valueBytes: 200 }), leader);
    expect(log.segmentCount).toBe(1);
    const end = log.logEndOffset;
    io.failOpen = (path) => (path.endsWith('.log') ? 'ENOSPC' : undefined);
    await expect(log.append(batchOf(1, 'x', { valueBytes: 200 }), leader)).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('while starting a new segment') as string });
    expect(log.logEndOffset).toBe(end);
    io.failOpen = undefined;
    const r = await log.append(batchOf(1, 'y', { valueBytes: 200 }), leader);
    expect(r.baseOffset).toBe(end);
    expect(log.segmentCount).toBe(2);
    expect((await log.verify()).problems).toEqual([]);
    await log.close();
  });

  it.each(['EDQUOT', 'EFBIG'])('maps %s to DISK_FULL too', async (code) => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig(), io });
    io.failNextLogWrite = { code, partialBytes: 0 };
    await expect(log.append(batchOf(1, 'x'), leader)).rejects.toMatchObject({ code: 'DISK_FULL' });
    await expect(log.append(batchOf(1, 'y'), leader)).resolves.toMatchObject({ baseOffset: 0 });
    await log.close();
  });

  it('fails the log on other write errors (EIO)', async () => {
    const io = faultyIo();
    const log = await PartitionLog.open({ dir, config: testConfig(), io, logger: recordingLogger() });
    io.failNextLogWrite = { code: 'EIO', partialBytes: 0 };
    await expect(log.append(batchOf(1, 'x'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await expect(log.append(batchOf(1, 'y'), leader)).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await log.close();
  });
});

/** Polls a condition on the event loop (for states with no event to await). */
async function vi_waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 1));
  }
}
