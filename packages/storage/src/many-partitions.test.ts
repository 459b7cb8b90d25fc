/**
 * A data directory with hundreds of partitions under a file-descriptor limit, and what creating a
 * partition writes to disk. The descriptor limit is simulated in the I/O seam (a real RLIMIT_NOFILE
 * cannot be lowered for one test): every open file and every directory opened for an fsync counts,
 * as they do against the process limit, and an open past the limit fails with EMFILE.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { DataDirectory, CLEAN_SHUTDOWN_MARKER } from './data-directory.ts';
import { PartitionLog, HIGH_WATERMARK_CHECKPOINT } from './partition-log.ts';
import { LEADER_EPOCH_CHECKPOINT } from './leader-epoch-cache.ts';
import { nodeStorageIo, type StorageFile, type StorageIo } from './storage-io.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';

let path: string;
beforeEach(async () => {
  path = await makeTempDir();
});
afterEach(async () => {
  await removeDir(path);
});

/** nodeStorageIo with at most `limit` descriptors open at once (EMFILE past it), counting fsyncs. */
function limitedIo(limit: number): StorageIo & { open_: () => number; peak: () => number; fsyncs: () => number } {
  let open = 0;
  let peak = 0;
  let fsyncs = 0;
  const take = (path: string): void => {
    if (open >= limit) throw Object.assign(new Error(`EMFILE: too many open files, open '${path}'`), { code: 'EMFILE' });
    open++;
    peak = Math.max(peak, open);
  };
  return {
    ...nodeStorageIo,
    open: async (p: string, flags: string): Promise<StorageFile> => {
      take(p);
      let file: StorageFile;
      try {
        file = await nodeStorageIo.open(p, flags);
      } catch (err) {
        open--;
        throw err;
      }
      let closed = false;
      return {
        writev: (b, pos) => file.writev(b, pos),
        read: (b, o, l, pos) => file.read(b, o, l, pos),
        datasync: () => {
          fsyncs++;
          return file.datasync();
        },
        sync: () => {
          fsyncs++;
          return file.sync();
        },
        truncate: (l) => file.truncate(l),
        stat: () => file.stat(),
        close: async () => {
          if (!closed) {
            closed = true;
            open--;
          }
          await file.close();
        },
      };
    },
    syncDir: async (p: string) => {
      take(p);
      fsyncs++;
      try {
        await nodeStorageIo.syncDir(p);
      } finally {
        open--;
      }
    },
    open_: () => open,
    peak: () => peak,
    fsyncs: () => fsyncs,
  };
}

const PARTITIONS = 300;
/** Descriptors beyond the one segment each log keeps open. */
const SPARE = 150;

describe('many partitions in one data directory', () => {
  it('closes hundreds of logs within a descriptor limit and marks the shutdown clean', async () => {
    const io = limitedIo(PARTITIONS + SPARE);
    const logger = recordingLogger();
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0, io, logger });
    const topicId = randomUUID();
    const logs = await Promise.all(Array.from({ length: PARTITIONS }, (_, i) => dd.openPartition('t', i, topicId, testConfig())));
    for (const log of logs) {
      await log.append(batchOf(1, 'r'), { leaderEpoch: 0, assignOffsets: true });
      log.highWatermark = log.logEndOffset;
    }
    // Every close flushes and writes index and checkpoint files: all at once they need far more
    // descriptors than SPARE.
    await dd.close({ clean: true });
    expect(logger.lines.filter((e) => e.level === 'error')).toEqual([]);
    expect(await readdir(path)).toContain(CLEAN_SHUTDOWN_MARKER);
    expect(io.open_()).toBe(0);
    // The high watermarks reached the disk.
    const hw = await readFile(`${dd.partitionDir('t', PARTITIONS - 1, topicId)}/${HIGH_WATERMARK_CHECKPOINT}`, 'utf8');
    expect(hw).toBe('0\n1\n1\n');
  });

  it('checkpoints the high watermarks of hundreds of logs on their timers within a descriptor limit', async () => {
    const io = limitedIo(PARTITIONS + SPARE);
    const logger = recordingLogger();
    const dirs = Array.from({ length: PARTITIONS }, (_, i) => `${path}/t-${i}`);
    const logs = await Promise.all(dirs.map((dir) => PartitionLog.open({ dir, config: testConfig(), io, logger, highWatermarkCheckpointMs: 50 })));
    try {
      for (const log of logs) {
        await log.append(batchOf(2, 'r'), { leaderEpoch: 0, assignOffsets: true });
        log.highWatermark = log.logEndOffset;
      }
      // The timers of all logs fire within a few ms of each other.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const written = await Promise.all(dirs.map((dir) => readFile(`${dir}/${HIGH_WATERMARK_CHECKPOINT}`, 'utf8').catch(() => '')));
        if (written.every((text) => text === '0\n1\n2\n')) break;
        expect(Date.now(), 'every high watermark checkpointed').toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(logger.lines.filter((e) => /Cannot checkpoint/.test(e.msg))).toEqual([]);
      expect(io.peak()).toBeLessThanOrEqual(PARTITIONS + SPARE);
    } finally {
      await Promise.all(logs.map((log) => log.close()));
    }
  });

  it('creates and elects a new partition without any fsync, and writes its epoch entry before the first append is acknowledged', async () => {
    const io = limitedIo(1000);
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0, io });
    const topicId = randomUUID();
    const before = io.fsyncs();
    const log = await dd.openPartition('t', 0, topicId, testConfig());
    await log.flush();
    await log.startLeaderEpoch(4, log.logEndOffset);
    expect(io.fsyncs() - before).toBe(0);
    const dir = dd.partitionDir('t', 0, topicId);
    // Nothing on disk yet: not even the directory.
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(log.leaderEpochs.latestEpoch).toBe(4);
    await log.append(batchOf(1, 'r'), { leaderEpoch: 4, assignOffsets: true });
    // Acknowledged: the entry is on disk, and the directory entries with it.
    expect(await readFile(`${dir}/${LEADER_EPOCH_CHECKPOINT}`, 'utf8')).toBe('0\n1\n4 0\n');
    await dd.close({ clean: true });
    // Reopened, the partition has its record and its epoch.
    const again = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    const reopened = await again.openPartition('t', 0, topicId, testConfig());
    expect(reopened.logEndOffset).toBe(1);
    expect(reopened.leaderEpochs.entries()).toEqual([{ epoch: 4, startOffset: 0 }]);
    await again.close({ clean: true });
  });

  it.each([
    ['its first append', (_log: PartitionLog): Promise<void> => Promise.resolve()],
    ['a follower restarting it at offset 0 first', (log: PartitionLog): Promise<void> => log.truncateFullyAndStartAt(0)],
    ['a follower moving its start first', (log: PartitionLog): Promise<void> => log.truncateFullyAndStartAt(7)],
  ])('makes a new partition\'s segment and directory entries durable before %s resolves', async (_what, before) => {
    // Each file made in a directory counts as durable only after a later fsync of that directory.
    const undurable = new Set<string>();
    const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/'));
    const io: StorageIo = {
      ...nodeStorageIo,
      open: async (p, flags) => {
        const file = await nodeStorageIo.open(p, flags);
        if (!flags.startsWith('r') && !p.endsWith('.tmp')) undurable.add(p);
        return file;
      },
      mkdir: async (p) => {
        await nodeStorageIo.mkdir(p);
        if (p.startsWith(`${path}/`)) undurable.add(p);
      },
      rename: async (from, to) => {
        await nodeStorageIo.rename(from, to);
        undurable.add(to);
      },
      syncDir: async (p) => {
        await nodeStorageIo.syncDir(p);
        for (const entry of [...undurable]) if (parentOf(entry) === p) undurable.delete(entry);
      },
    };
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0, io });
    const topicId = randomUUID();
    const log = await dd.openPartition('t', 0, topicId, testConfig({ durability: 'fsync' }));
    await before(log);
    await log.startLeaderEpoch(0, log.logEndOffset);
    // The epoch entry written now, so the append's own directory fsyncs are what is checked.
    await log.flush();
    await log.append(batchOf(1, 'r'), { leaderEpoch: 0, assignOffsets: true });
    expect([...undurable]).toEqual([]);
    await dd.close({ clean: true });
  });

  it('leaves no directory for a partition never written to, and reopens it empty', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    const topicId = randomUUID();
    const log = await dd.openPartition('t', 0, topicId, testConfig());
    await log.startLeaderEpoch(0, 0);
    await dd.close({ clean: true });
    expect((await readdir(path)).filter((e) => e.startsWith('t-'))).toEqual([]);
    const again = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    const reopened = await again.openPartition('t', 0, topicId, testConfig());
    expect([reopened.logEndOffset, reopened.leaderEpochs.entries()]).toEqual([0, []]);
    await reopened.append(batchOf(2, 'r'), { leaderEpoch: 1, assignOffsets: true });
    await again.close({ clean: true });
    const third = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    expect((await third.openPartition('t', 0, topicId, testConfig())).logEndOffset).toBe(2);
    await third.close({ clean: true });
  });

  it('never empties a partition directory made behind the data directory\'s back: the first write fails instead', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    const topicId = randomUUID();
    // Only this object creates partition directories while it holds the lock; one made behind its
    // back (here by a bare PartitionLog) is not known to it.
    const dir = dd.partitionDir('t', 0, topicId);
    const behind = await PartitionLog.open({ dir, config: testConfig() });
    await behind.append(batchOf(3, 'x'), { leaderEpoch: 0, assignOffsets: true });
    await behind.close();
    const log = await dd.openPartition('t', 0, topicId, testConfig());
    await expect(log.append(batchOf(1, 'y'), { leaderEpoch: 0, assignOffsets: true })).rejects.toThrow(/EEXIST/);
    await dd.close({ clean: false });
    const again = await DataDirectory.open({ path, clusterId: 'c', brokerId: 0 });
    expect((await again.openPartition('t', 0, topicId, testConfig())).logEndOffset).toBe(3);
    await again.close({ clean: true });
  });
});
