/**
 * The simulated disk: what survives a power loss is what was synced (file data by fdatasync, names
 * by fsync of the directory), plus a prefix of appended bytes; what survives a process kill is
 * everything written and renamed; a dead incarnation's calls never settle. Then the real
 * PartitionLog on it: in fsync mode every acknowledged append survives any crash, and recovery
 * cuts the torn tail.
 */
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig, type StorageIo } from '@runnel/storage';
import { SimDisk, type CrashKind } from './sim-disk.ts';
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

  it('keeps an unsynced write and an unsynced rename across a process kill, not across a power loss', async () => {
    const after = async (kind: CrashKind): Promise<{ disk: SimDisk; s: SimScheduler; files: string[]; seg: string; checkpoint: string | undefined; fsyncInFlight: string }> => {
      const { s, disk, p, io } = setup(4);
      await driveValue(s, io.mkdir('/d'));
      const seg = await driveValue(s, io.open('/d/seg', 'w'));
      await driveValue(s, seg.writev([Buffer.from('old!')], 0));
      await driveValue(s, seg.datasync());
      await driveValue(s, io.syncDir('/d'));
      // Unsynced writes: an overwrite and an append (the records of a new epoch, say)...
      await driveValue(s, seg.writev([Buffer.from('new!')], 0));
      await driveValue(s, seg.writev([Buffer.from('+tail')], 4));
      // ...and a checkpoint written as writeFileAtomic does, its rename done but not its directory fsync.
      const tmp = await driveValue(s, io.open('/d/checkpoint.tmp', 'w'));
      await driveValue(s, tmp.writev([Buffer.from('0\n1\n0 0\n')], 0));
      await driveValue(s, tmp.sync());
      await driveValue(s, io.rename('/d/checkpoint.tmp', '/d/checkpoint'));
      // The segment's fsync is still in flight when the broker dies.
      const inFlight = seg.datasync();
      s.kill(p);
      disk.crash(kind);
      const io2 = disk.ioFor(new SimProcess('broker-1', 2));
      const files = disk.listFiles();
      return {
        disk, s, files,
        seg: await readAll(s, io2, '/d/seg'),
        checkpoint: files.includes('/d/checkpoint') ? await readAll(s, io2, '/d/checkpoint') : undefined,
        fsyncInFlight: (await drive(s, inFlight, 1000)).status,
      };
    };

    const killed = await after('process-kill');
    expect(killed.files).toEqual(['/d/checkpoint', '/d/seg']);
    expect(killed.seg).toBe('new!+tail');
    expect(killed.checkpoint).toBe('0\n1\n0 0\n');
    expect(killed.fsyncInFlight).toBe('pending');
    expect(killed.disk.stats).toMatchObject({ kills: 1, crashes: 0, bytesLost: 0, entriesReverted: 0 });

    const powerLost = await after('power-loss');
    // The rename (and the create of its source) are undone; the overwrite goes with the unsynced append.
    expect(powerLost.files).toEqual(['/d/seg']);
    expect(powerLost.seg).toBe('old!');
    expect(powerLost.fsyncInFlight).toBe('pending');
    expect(powerLost.disk.stats).toMatchObject({ kills: 0, crashes: 1, entriesReverted: 1 });

    // A kill makes nothing durable: a power loss after it (before anything was synced) loses the same.
    killed.disk.crash('power-loss');
    expect(killed.disk.listFiles()).toEqual(['/d/seg']);
    expect(await readAll(killed.s, killed.disk.ioFor(new SimProcess('broker-1', 3)), '/d/seg')).toBe('old!');
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

  it('leaves no record of a new log without its leader epoch, whichever disk call of the first append a process kill lands on', async () => {
    // The chaos test's lost writes (fixed in f30f7d1): a leader elected at the end of an empty log
    // writes its epoch entry with its first append. Killed after the records reached the segment
    // but before the checkpoint's rename, it came back with records and an empty cache, fetched
    // with lastFetchedEpoch -1 (which the leader cannot check) and kept them under the new
    // leader's. A power loss would most likely have lost the unsynced records too.
    const config = { ...defaultLogConfig, segmentBytes: 4096, indexIntervalBytes: 256 };
    const quiet = { warn: () => undefined, error: () => undefined, info: () => undefined };
    let killedWithRecords = 0;
    for (let calls = 1; calls <= 12; calls++) {
      const { s, disk, p } = setup(calls);
      const log = await driveValue(s, PartitionLog.open({ dir: '/data/t-0', config, io: disk.ioFor(p), logger: quiet, highWatermarkCheckpointMs: 1e9 }));
      await driveValue(s, log.startLeaderEpoch(0, 0));
      disk.crashAtCall(calls, () => {
        s.kill(p);
        disk.crash('process-kill');
      });
      const batch = encodeRecordBatch(['a', 'b', 'c'].map((v) => ({ key: null, value: Buffer.from(v) })));
      const appended = log.append(batch, { leaderEpoch: 0, assignOffsets: true });
      const outcome = await drive(s, appended, 100);
      if (outcome.status !== 'pending') {
        // The append and everything it wrote finished before the armed call: nothing left to cut.
        expect(disk.disarm()).toBe(true);
        continue;
      }
      const reopened = await driveValue(s, PartitionLog.open({ dir: '/data/t-0', config, io: disk.ioFor(new SimProcess('broker-1', 2)), logger: quiet, highWatermarkCheckpointMs: 1e9 }));
      if (reopened.logEndOffset === 0) continue;
      killedWithRecords++;
      expect(reopened.leaderEpochs.entries(), `killed at disk call ${calls}`).toEqual([{ epoch: 0, startOffset: 0 }]);
    }
    expect(killedWithRecords).toBeGreaterThan(0);
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
