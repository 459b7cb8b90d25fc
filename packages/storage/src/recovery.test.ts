import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, open, readdir, rm, writeFile } from 'node:fs/promises';
import { decodeRecords } from '@runnel/protocol';
import { PartitionLog, RECOVERY_POINT_CHECKPOINT } from './partition-log.ts';
import { LogCorruptionError } from './errors.ts';
import { batchOf, makeTempDir, recordingLogger, removeDir, testConfig } from './testing/log-fixtures.ts';
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
