/**
 * Crash tests of the storage engine (DESIGN.md §9 tier 3). A writer process appends in fsync mode
 * and prints every acknowledged offset range; the test SIGKILLs it at random moments, many times,
 * reopens the log each time and checks: every acknowledged record is present with its exact value,
 * offsets are dense, CRCs verify, indexes agree with a rescan, and the next writer continues.
 *
 * Half of the rounds also simulate a power loss: the bytes past the last acknowledged batch were
 * never fsynced, so any prefix of them may survive; the test cuts the active segment at a random
 * position after the acknowledged data (often through the middle of a batch).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { batchSizeAt, decodeRecords, readBatchHeader } from '@runnel/protocol';
import { LogCorruptionError, PartitionLog, defaultLogConfig, type LogConfig } from '@runnel/storage';
import { compactKey, crashValue } from './storage/crash-values.ts';

const WRITER = join(import.meta.dirname, 'storage', 'crash-writer.ts');
const COMPACT_WRITER = join(import.meta.dirname, 'storage', 'compact-writer.ts');
const ROUNDS = 30;
/** Rounds after the first MIN_ROUNDS stop once this much time has passed (the machine is shared). */
const MIN_ROUNDS = 20;
const TIME_BUDGET_MS = 90_000;
const SEGMENT_BYTES = 128 * 1024;
const config: LogConfig = { ...defaultLogConfig, segmentBytes: SEGMENT_BYTES, indexIntervalBytes: 1024 };

interface Ack {
  base: number;
  last: number;
  tag: string;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'runnel-crash-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/**
 * Runs the writer until it has acknowledged `killAfterAcks` appends, then SIGKILLs it after a
 * random 0-4 ms (the writer always has 4 appends in flight, so the kill lands mid-append).
 */
async function runWriterAndKill(dir: string, round: number, killAfterAcks: number, args = [WRITER, dir, String(round), String(SEGMENT_BYTES)]): Promise<{ ready: number; acks: Ack[] }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const acks: Ack[] = [];
  let ready = -1;
  let killed = false;
  let killScheduled = false;
  const lines = createInterface({ input: child.stdout });
  const kill = (): void => {
    if (!killed) {
      killed = true;
      child.kill('SIGKILL');
    }
  };
  const timer = setTimeout(kill, 30_000);
  for await (const line of lines) {
    const [kind, a, b, tag] = line.split(' ');
    if (kind === 'ready') {
      ready = Number(a);
    } else if (kind === 'ack' && tag !== undefined) {
      acks.push({ base: Number(a), last: Number(b), tag });
    }
    if (!killScheduled && acks.length >= killAfterAcks) {
      killScheduled = true;
      setTimeout(kill, Math.floor(Math.random() * 5));
    }
  }
  clearTimeout(timer);
  const code = await exited;
  if (!killed) throw new Error(`writer exited by itself (code ${code}): ${stderr}`);
  return { ready, acks };
}

/** Byte position in the last segment where the batch holding `offset` ends (0 if none there). */
async function endOfOffsetInLastSegment(dir: string, offset: number): Promise<{ file: string; end: number; size: number }> {
  const file = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort().at(-1)!;
  const handle = await open(join(dir, file), 'r');
  const size = (await handle.stat()).size;
  const buf = Buffer.alloc(size);
  await handle.read(buf, 0, size, 0);
  await handle.close();
  let end = 0;
  for (let p = 0; p + 61 <= size;) {
    const n = batchSizeAt(buf, p);
    if (n < 61 || p + n > size) break;
    if (readBatchHeader(buf, p).baseOffset > offset) break;
    p += n;
    end = p;
  }
  return { file: join(dir, file), end, size };
}

async function checkLog(dir: string, acked: Map<number, string>): Promise<{ logEnd: number; truncated: number }> {
  const log = await PartitionLog.open({ dir, config, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
  try {
    const report = await log.verify();
    expect(report.problems).toEqual([]);
    expect(report.gaps).toBe(0);
    for (let offset = 0; offset < log.logEndOffset;) {
      const { records } = await log.read(offset, { maxBytes: 1 << 20 });
      const decoded = decodeRecords(records, offset);
      expect(decoded[0]?.offset).toBe(offset);
      for (const r of decoded) {
        const key = r.key!.toString();
        const [tag, i] = key.split(':');
        expect(r.value).toEqual(crashValue(tag!, Number(i)));
        const expectedTag = acked.get(r.offset);
        if (expectedTag !== undefined) expect(tag).toBe(expectedTag);
      }
      offset = decoded.at(-1)!.offset + 1;
    }
    for (const offset of acked.keys()) expect(offset).toBeLessThan(log.logEndOffset);
    return { logEnd: log.logEndOffset, truncated: log.recoveryTruncations.reduce((s, t) => s + t.bytes, 0) };
  } finally {
    await log.close();
  }
}

describe('storage crash recovery (kill -9 mid-append)', () => {
  it(`keeps every acknowledged append across ${MIN_ROUNDS}-${ROUNDS} SIGKILLs, with dense offsets, valid CRCs and consistent indexes`, async () => {
    const dir = join(root, `crash-${Math.random().toString(36).slice(2)}`);
    const acked = new Map<number, string>();
    let powerLossCuts = 0;
    let recoveredTruncations = 0;
    const started = Date.now();
    let rounds = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      if (round > MIN_ROUNDS && Date.now() - started > TIME_BUDGET_MS) break;
      rounds = round;
      const { ready, acks } = await runWriterAndKill(dir, round, 1 + Math.floor(Math.random() * 120));
      expect(acks.length).toBeGreaterThan(0);
      for (const a of acks) {
        expect(a.base).toBeGreaterThanOrEqual(ready);
        for (let o = a.base; o <= a.last; o++) {
          expect(acked.has(o)).toBe(false);
          acked.set(o, a.tag);
        }
      }
      if (round % 2 === 0) {
        const lastAcked = Math.max(...acked.keys());
        const { file, end, size } = await endOfOffsetInLastSegment(dir, lastAcked);
        if (size > end) {
          const cut = end + Math.floor(Math.random() * (size - end));
          const handle = await open(file, 'r+');
          await handle.truncate(cut);
          await handle.close();
          if (cut > end) powerLossCuts++;
        }
      }
      const { truncated } = await checkLog(dir, acked);
      if (truncated > 0) recoveredTruncations++;
    }
    const logs = (await readdir(dir)).filter((f) => f.endsWith('.log'));
    console.log(`crash test: ${rounds} rounds, ${acked.size} acknowledged records, ${logs.length} segments, ` +
      `${powerLossCuts} power-loss cuts inside unacknowledged data, ${recoveredTruncations} recoveries truncated a torn tail, ${Date.now() - started} ms`);
    expect(rounds).toBeGreaterThanOrEqual(MIN_ROUNDS);
    expect(logs.length).toBeGreaterThan(1);
  }, 300_000);

  it('recovers from garbage and torn bytes at the tail after a kill, keeping acknowledged data', async () => {
    const dir = join(root, `tail-${Math.random().toString(36).slice(2)}`);
    const { acks } = await runWriterAndKill(dir, 1, 20);
    const acked = new Map(acks.flatMap((a) => Array.from({ length: a.last - a.base + 1 }, (_, i) => [a.base + i, a.tag] as const)));
    const last = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort().at(-1)!;
    await appendFile(join(dir, last), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0xde, 0xad]));
    const first = await checkLog(dir, acked);
    expect(first.truncated).toBe(14);
    const size = (await stat(join(dir, last))).size;
    const { acks: more } = await runWriterAndKill(dir, 2, 5);
    expect(more[0]!.base).toBeGreaterThanOrEqual(first.logEnd);
    expect((await stat(join(dir, last))).size).toBeGreaterThanOrEqual(size);
  });

  it('refuses to open a log whose middle batch was corrupted after a kill, naming segment and position', async () => {
    const dir = join(root, `middle-${Math.random().toString(36).slice(2)}`);
    await runWriterAndKill(dir, 1, 30);
    const first = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()[0]!;
    const handle = await open(join(dir, first), 'r+');
    const header = Buffer.alloc(12);
    await handle.read(header, 0, 12, 0);
    const secondBatch = batchSizeAt(header, 0);
    await handle.write(Buffer.from('CORRUPTED'), 0, 9, secondBatch + 100);
    await handle.close();
    await rm(join(dir, 'recovery-point-offset-checkpoint'));
    const err = await PartitionLog.open({ dir, config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogCorruptionError);
    expect(err).toMatchObject({ position: secondBatch, segment: join(dir, first) });
  });

  it('keeps the latest acknowledged record of every key when killed during compaction', async () => {
    const dir = join(root, `compact-${Math.random().toString(36).slice(2)}`);
    const compactConfig: LogConfig = { ...config, cleanupPolicy: 'compact', segmentBytes: 8 * 1024, indexIntervalBytes: 512 };
    // For each key, the highest acknowledged offset written with it.
    const latestAcked = new Map<string, number>();
    const ackedTag = new Map<number, string>();
    let removedSomething = false;
    for (let round = 1; round <= 12; round++) {
      const { acks } = await runWriterAndKill(dir, round, 20 + Math.floor(Math.random() * 80), [COMPACT_WRITER, dir, String(round)]);
      for (const a of acks) {
        for (let i = 0; i <= a.last - a.base; i++) {
          const key = compactKey(a.tag, i);
          latestAcked.set(key, Math.max(latestAcked.get(key) ?? -1, a.base + i));
          ackedTag.set(a.base + i, `${a.tag}:${i}`);
        }
      }
      const log = await PartitionLog.open({ dir, config: compactConfig, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
      try {
        const report = await log.verify();
        expect(report.problems).toEqual([]);
        if (report.gaps > 0) removedSomething = true;
        const present = new Map<string, number>();
        for (let offset = log.logStartOffset; offset < log.logEndOffset;) {
          const decoded = decodeRecords((await log.read(offset, { maxBytes: 1 << 20 })).records, offset);
          if (decoded.length === 0) break;
          for (const r of decoded) {
            const value = r.value!.toString().replace(/\.+$/, '');
            const [tag, i] = value.split(':');
            expect(r.key!.toString()).toBe(compactKey(tag!, Number(i)));
            const expected = ackedTag.get(r.offset);
            if (expected !== undefined) expect(value).toBe(expected);
            present.set(r.key!.toString(), Math.max(present.get(r.key!.toString()) ?? -1, r.offset));
          }
          offset = decoded.at(-1)!.offset + 1;
        }
        for (const [key, offset] of latestAcked) expect(present.get(key) ?? -1).toBeGreaterThanOrEqual(offset);
      } finally {
        await log.close();
      }
    }
    expect(removedSomething).toBe(true);
  }, 300_000);
});
