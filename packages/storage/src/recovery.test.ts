import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { decodeRecords } from '@runnel/protocol';
import { PartitionLog, RECOVERY_POINT_CHECKPOINT } from './partition-log.ts';
import { LogCorruptionError } from './errors.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';
import { faultyIo } from './testing/faulty-io.ts';
import type { LogConfig } from './log-config.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

const leader = { leaderEpoch: 1, assignOffsets: true } as const;
const SEGMENT0 = '00000000000000000000.log';

/** Writes `batches` batches of 3 records and closes the log; returns the byte positions of the batches in segment 0. */
async function seed(config: LogConfig, batches: number, epochOf: (i: number) => number = () => 1): Promise<number[]> {
  const log = await PartitionLog.open({ dir, config });
  const positions: number[] = [];
  for (let i = 0; i < batches; i++) {
    if (log.segmentCount === 1) positions.push(log.sizeBytes);
    await log.append(batchOf(3, `v${i}`, { valueBytes: 40 }), { leaderEpoch: epochOf(i), assignOffsets: true });
  }
  await log.close();
  return positions;
}

/** Makes the next open rescan everything, as after a crash before any checkpoint. */
async function forgetRecoveryPoint(): Promise<void> {
  await rm(`${dir}/${RECOVERY_POINT_CHECKPOINT}`);
}

async function corruptByte(file: string, position: number): Promise<void> {
  const handle = await open(`${dir}/${file}`, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, position);
  byte[0] = byte[0]! ^ 0xff;
  await handle.write(byte, 0, 1, position);
  await handle.close();
}

describe('recovery', () => {
  it.each([
    ['a torn batch', batchOf(3, 'torn').subarray(0, 50)],
    ['zeros from a crash while the file grew', Buffer.alloc(4096)],
    ['random garbage', Buffer.from('\x00\x00\x00\x00\x00\x00\x00\x09garbage that is not a batch at all', 'latin1')],
  ])('truncates %s at the tail, logs the cut with its position, and appends continue', async (_what, tail) => {
    const config = testConfig();
    await seed(config, 5);
    for (const forget of [false, true]) {
      await appendFile(`${dir}/${SEGMENT0}`, tail);
      if (forget) await forgetRecoveryPoint();
      const logger = recordingLogger();
      const log = await PartitionLog.open({ dir, config, logger, name: 'tail-0' });
      expect(log.logEndOffset).toBe(15);
      expect(log.recoveryTruncations).toHaveLength(1);
      expect(log.recoveryTruncations[0]).toMatchObject({ bytes: tail.length, position: log.sizeBytes });
      expect(logger.lines.find((l) => l.level === 'warn')?.msg).toContain(`truncated ${tail.length} bytes`);
      expect((await log.verify()).problems).toEqual([]);
      await log.close();
    }
    const log = await PartitionLog.open({ dir, config });
    const r = await log.append(batchOf(1, 'next'), leader);
    expect(r.baseOffset).toBe(15);
    await log.close();
  });

  it('refuses to open when a batch in the middle is corrupt, naming the segment and position', async () => {
    const config = testConfig();
    const positions = await seed(config, 6);
    await corruptByte(SEGMENT0, positions[2]! + 70);
    await forgetRecoveryPoint();
    const err = await PartitionLog.open({ dir, config, name: 'mid-0' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptionError);
    expect(err).toMatchObject({ code: 'STORAGE_ERROR', position: positions[2], segment: `${dir}/${SEGMENT0}` });
    expect((err as Error).message).toContain(`position ${positions[2]}`);
    expect((err as Error).message).toContain('CRC');
    expect((err as Error).message).toContain(`valid batches follow at position ${positions[3]}`);
  });

  it('refuses to open when the batch size field of a middle batch is destroyed', async () => {
    const config = testConfig();
    const positions = await seed(config, 6);
    await corruptByte(SEGMENT0, positions[1]! + 9);
    await forgetRecoveryPoint();
    await expect(PartitionLog.open({ dir, config })).rejects.toMatchObject({ name: 'LogCorruptionError', position: positions[1] });
  });

  it('refuses to open when an earlier segment is corrupt and later segments hold data', async () => {
    const config = testConfig({ segmentBytes: 1024 });
    const positions = await seed(config, 30);
    expect((await readdir(dir)).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(2);
    await corruptByte(SEGMENT0, positions.at(-1)! + 70);
    await forgetRecoveryPoint();
    await expect(PartitionLog.open({ dir, config })).rejects.toMatchObject({ name: 'LogCorruptionError', message: expect.stringContaining('holds later data') as string });
  });

  it('rebuilds index files that are missing or inconsistent with the log', async () => {
    const config = testConfig({ segmentBytes: 2048, indexIntervalBytes: 100 });
    await seed(config, 40);
    const files = await readdir(dir);
    const indexes = files.filter((f) => f.endsWith('.index'));
    await writeFile(`${dir}/${indexes[0]}`, Buffer.from([0, 0, 0, 5, 0, 0, 0xff, 0xff]));
    await rm(`${dir}/${files.find((f) => f.endsWith('.timeindex'))}`);
    await writeFile(`${dir}/${indexes[1]}`, 'odd');
    const log = await PartitionLog.open({ dir, config });
    expect((await log.verify()).problems).toEqual([]);
    const { records } = await log.read(61, { maxBytes: 1 });
    expect(decodeRecords(records, 61)[0]?.value?.toString()).toMatch(/^v20-1/);
    await log.close();
  });

  it('removes leftovers of interrupted atomic writes and compactions', async () => {
    const config = testConfig();
    await seed(config, 3);
    await writeFile(`${dir}/${SEGMENT0}.cleaned`, 'half-written compaction output');
    await writeFile(`${dir}/leader-epoch-checkpoint.tmp`, 'half');
    const log = await PartitionLog.open({ dir, config });
    expect(log.logEndOffset).toBe(9);
    await log.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.cleaned') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes no record of a new leader epoch before the epoch entry is on disk, so a crash cannot separate them', async () => {
    const io = faultyIo();
    const config = testConfig();
    const log = await PartitionLog.open({ dir, config, io });
    await log.append(batchOf(3, 'e0'), { leaderEpoch: 0, assignOffsets: true });
    const sizeBefore = (await stat(`${dir}/${SEGMENT0}`)).size;
    const held = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    io.holdRename = (from) => {
      if (!from.endsWith('leader-epoch-checkpoint.tmp')) return undefined;
      held.resolve();
      return release.promise;
    };
    // A new leader's first append: epoch 1 starts at offset 3.
    const append = log.append(batchOf(3, 'e1'), { leaderEpoch: 1, assignOffsets: true });
    await held.promise;
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    // A SIGKILL now keeps what the segment file holds (the page cache survives it): it must not
    // hold records of epoch 1 while the checkpoint on disk lacks epoch 1.
    expect((await stat(`${dir}/${SEGMENT0}`)).size).toBe(sizeBefore);
    release.resolve();
    await expect(append).resolves.toMatchObject({ baseOffset: 3 });
    expect((await stat(`${dir}/${SEGMENT0}`)).size).toBeGreaterThan(sizeBefore);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 1, startOffset: 3 }]);
    await log.close();
  });

  it('restores a leader epoch that the checkpoint lacks from the recovered batches, so a follower still sees its divergence', async () => {
    const config = testConfig();
    await seed(config, 4, (i) => (i < 2 ? 0 : 2));
    // A crash after the epoch-2 records reached the file but before their epoch entry did.
    await writeFile(`${dir}/leader-epoch-checkpoint`, '0\n1\n0 0\n');
    await forgetRecoveryPoint();
    const logger = recordingLogger();
    const log = await PartitionLog.open({ dir, config, logger, name: 'lost-epoch-0' });
    expect(log.logEndOffset).toBe(12);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 6 }]);
    // A leader in epoch 1 from offset 6 answers this follower's lastFetchedEpoch 2 with epoch 0's end, 6.
    expect(log.leaderEpochs.endOffsetFor(0, log.logEndOffset)).toEqual({ epoch: 0, endOffset: 6 });
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringContaining('lacked epoch 2 of the batches from offset 6') }));
    await log.close();
    const reopened = await PartitionLog.open({ dir, config });
    expect(reopened.leaderEpochs.entries()).toEqual([{ epoch: 0, startOffset: 0 }, { epoch: 2, startOffset: 6 }]);
    await reopened.close();
  });

  it('drops leader epochs that start past the recovered log end', async () => {
    const config = testConfig();
    const positions = await seed(config, 4, (i) => (i < 3 ? 1 : 2));
    const handle = await open(`${dir}/${SEGMENT0}`, 'r+');
    await handle.truncate(positions[3]! + 30);
    await handle.close();
    const log = await PartitionLog.open({ dir, config, logger: recordingLogger() });
    expect(log.logEndOffset).toBe(9);
    expect(log.leaderEpochs.entries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    await log.close();
  });
});
