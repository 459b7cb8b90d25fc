/**
 * Full disk, for real: the log lives on a 2 MiB tmpfs mounted for this test (we run as root), so
 * ENOSPC comes from the kernel, including short writes. The unit tests cover the same path
 * deterministically through the injectable StorageIo seam (packages/storage/src/durability.test.ts).
 * If this sandbox cannot mount tmpfs, the test is skipped and says why.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig, type LogConfig } from '@runnel/storage';

let mountPoint: string;
let mounted = false;
let mountError = '';

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'runnel-diskfull-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    mountError = String(err);
  }
});

afterAll(async () => {
  if (mounted) {
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      // A failed test may leave the log open: detach lazily so no mount outlives the run.
      execFileSync('umount', ['-l', mountPoint], { stdio: 'pipe' });
    }
  }
  await rmdir(mountPoint).catch(() => undefined);
});

const config: LogConfig = { ...defaultLogConfig, segmentBytes: 8 * 1024 * 1024 };

describe('storage on a full disk (real tmpfs)', () => {
  it('answers DISK_FULL, keeps the log consistent and readable, and appends again once space is back', async (ctx) => {
    if (!mounted) ctx.skip(`cannot mount tmpfs here: ${mountError}`);
    const dir = join(mountPoint, `full-${Math.random().toString(36).slice(2)}`);
    const filler = join(mountPoint, 'filler');
    await writeFile(filler, Buffer.alloc(1024 * 1024));
    const log = await PartitionLog.open({ dir, config, name: 'full-0' });
    const values: string[] = [];
    let diskFull: unknown;
    for (let i = 0; i < 1000 && diskFull === undefined; i++) {
      const value = `record-${i}-`.padEnd(7000, 'x');
      try {
        await log.append(encodeRecordBatch([{ key: null, value: Buffer.from(value) }]), { leaderEpoch: 0, assignOffsets: true });
        values.push(value);
      } catch (err) {
        diskFull = err;
      }
    }
    expect(diskFull).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('ENOSPC') as string });
    expect(values.length).toBeGreaterThan(10);
    expect(log.logEndOffset).toBe(values.length);
    const all = decodeRecords((await log.read(0, { maxBytes: 8 * 1024 * 1024 })).records);
    expect(all.map((r) => r.value?.toString())).toEqual(values);
    expect((await log.verify()).problems).toEqual([]);
    await expect(log.append(encodeRecordBatch([{ key: null, value: Buffer.alloc(7000) }]), { leaderEpoch: 0, assignOffsets: true }))
      .rejects.toMatchObject({ code: 'DISK_FULL' });

    await rm(filler);
    const after = await log.append(encodeRecordBatch([{ key: null, value: Buffer.from('after') }]), { leaderEpoch: 0, assignOffsets: true });
    expect(after.baseOffset).toBe(values.length);
    await log.close();
    const reopened = await PartitionLog.open({ dir, config });
    expect(reopened.logEndOffset).toBe(values.length + 1);
    expect(reopened.recoveryTruncations).toEqual([]);
    await reopened.close();
  });
});
