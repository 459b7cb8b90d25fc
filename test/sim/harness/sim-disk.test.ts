/**
 * The simulated disk: what survives a crash is what was synced (file data by fdatasync, names by
 * fsync of the directory), plus a prefix of appended bytes; a dead incarnation's calls never
 * settle. Then the real PartitionLog on it: in fsync mode every acknowledged append survives any
 * crash, and recovery cuts the torn tail.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig, type StorageIo } from '@runnel/storage';
import { SimDisk } from './sim-disk.ts';
import { SimRandom } from './sim-random.ts';
import { SimProcess, SimScheduler } from './sim-scheduler.ts';
import { drive, driveValue } from './settle.ts';

function setup(seed = 1): { s: SimScheduler; disk: SimDisk; p: SimProcess; io: StorageIo } {
  const s = new SimScheduler(new SimRandom(seed));
  const disk = new SimDisk(s);
  const p = new SimProcess('broker-1', 1);
  return { s, disk, p, io: disk.ioFor(p) };
}

async function readAll(s: SimScheduler, io: StorageIo, path: string): Promise<string> {
  const file = await driveValue(s, io.open(path, 'r'));
  const { size } = await driveValue(s, file.stat());
  const buf = Buffer.alloc(size);
  await driveValue(s, file.read(buf, 0, size, 0));
  return buf.toString();
}

describe('SimDisk', () => {
  it('keeps synced data and synced names across a crash, and loses what was not synced', async () => {
    const { s, disk, io } = setup();
    await driveValue(s, io.mkdir('/d'));
    const a = await driveValue(s, io.open('/d/a', 'w'));
    await driveValue(s, a.writev([Buffer.from('synced')], 0));
    await driveValue(s, a.datasync());
    await driveValue(s, io.syncDir('/d'));
    await driveValue(s, a.writev([Buffer.from('XXXXXXXXXX')], 6));
    const b = await driveValue(s, io.open('/d/b', 'w'));
    await driveValue(s, b.writev([Buffer.from('never named')], 0));
    await driveValue(s, b.datasync());
    disk.crash();
    const io2 = disk.ioFor(new SimProcess('broker-1', 2));
    const content = await readAll(s, io2, '/d/a');
    expect(content.startsWith('synced')).toBe(true);
    expect('syncedXXXXXXXXXX'.startsWith(content)).toBe(true);
    // b's data was synced, but its directory entry was not: it is gone.
    expect(disk.listFiles()).toEqual(['/d/a']);
    expect(disk.stats.entriesReverted).toBe(1);
  });

  it('brings back an unlinked file whose directory was not synced, and drops an overwrite', async () => {
    const { s, disk, io } = setup(2);
    await driveValue(s, io.mkdir('/d'));
    const a = await driveValue(s, io.open('/d/a', 'w'));
    await driveValue(s, a.writev([Buffer.from('hello')], 0));
    await driveValue(s, a.sync());
    await driveValue(s, io.syncDir('/d'));
    await driveValue(s, a.writev([Buffer.from('J')], 0));
    await driveValue(s, io.unlink('/d/a'));
    expect(disk.listFiles()).toEqual([]);
    disk.crash();
    expect(await readAll(s, disk.ioFor(new SimProcess('broker-1', 2)), '/d/a')).toBe('hello');
  });

  it('never settles a call of a dead incarnation, and answers bad paths with errno codes', async () => {
    const { s, io, p } = setup(3);
    await expect(driveValue(s, io.open('/missing/x', 'r'))).rejects.toMatchObject({ code: 'ENOENT' });
    await driveValue(s, io.mkdir('/d'));
    await driveValue(s, io.open('/d/x', 'wx'));
    await expect(driveValue(s, io.open('/d/x', 'wx'))).rejects.toMatchObject({ code: 'EEXIST' });
    s.kill(p);
    expect(await drive(s, io.readdir('/d'), 1000)).toEqual({ status: 'pending' });
  });

  it('lets the real PartitionLog keep every acknowledged fsync append across crashes', async () => {
    const config = { ...defaultLogConfig, segmentBytes: 4096, indexIntervalBytes: 256 };
    const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined };
    for (let seed = 0; seed < 10; seed++) {
      const { s, disk } = setup(seed);
      /** offset -> value of every acknowledged append. */
      const acked = new Map<number, string>();
      let incarnation = 0;
      for (let round = 0; round < 3; round++) {
        const p = new SimProcess('broker-1', ++incarnation);
        const log = await driveValue(s, PartitionLog.open({ dir: '/data/t-0', config, io: disk.ioFor(p), logger: quiet, highWatermarkCheckpointMs: 1e9 }));
        // Whatever was acknowledged before the crash is still there at its offset.
        const found = new Map<number, string>();
        for (let next = log.logStartOffset; next < log.logEndOffset;) {
          const { records } = await driveValue(s, log.read(next, { maxBytes: 1e9 }));
          if (records.length === 0) break;
          for (const r of decodeRecords(records, next)) {
            found.set(r.offset, r.value?.toString() ?? '');
            next = r.offset + 1;
          }
        }
        for (const [offset, value] of acked) expect(found.get(offset), `seed ${seed} offset ${offset}`).toBe(value);
        for (let i = 0; i < 40; i++) {
          const value = `r${round}-${i}`;
          log.append(encodeRecordBatch([{ key: null, value: Buffer.from(value) }]), { leaderEpoch: 0, assignOffsets: true })
            .then((r) => acked.set(r.baseOffset, value), () => undefined);
          if (s.random.chance(0.3)) await s.runFor(s.random.int(0, 3));
        }
        await s.runFor(s.random.int(0, 2));
        s.kill(p);
        disk.crash();
      }
      expect(disk.stats.bytesLost).toBeGreaterThan(0);
      expect(acked.size).toBeGreaterThan(0);
    }
  });
});
