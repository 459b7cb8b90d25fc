/**
 * Append throughput of PartitionLog, next to what the raw disk does, on the same filesystem.
 * Not a test: prints figures (a table, then JSON). Run: npx node packages/storage/bench/append-bench.ts [seconds]
 *
 * Workload: batches of 16 records of 1 KiB (about 17 KiB per batch), uncompressed, appended in
 * leader mode with N appends in flight. `fsync` mode acknowledges after the group-commit
 * fdatasync; `replicated` after the write (background flush every second).
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig, type LogConfig } from '../src/index.ts';

const seconds = Number(process.argv[2] ?? 3);
const RECORDS_PER_BATCH = 16;
const RECORD_BYTES = 1024;

interface Result {
  case: string;
  inFlight: number;
  mbPerSec: number;
  appendsPerSec: number;
  recordsPerSec: number;
}

function template(): Buffer {
  const value = Buffer.alloc(RECORD_BYTES, 0x61);
  return encodeRecordBatch(Array.from({ length: RECORDS_PER_BATCH }, () => ({ key: null, value })));
}

async function benchLog(durability: LogConfig['durability'], inFlight: number): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-'));
  const log = await PartitionLog.open({ dir, config: { ...defaultLogConfig, durability, segmentBytes: 256 * 1024 * 1024 } });
  const batch = template();
  // One buffer per in-flight slot: append stamps offsets into the buffer it is given.
  const slots = Array.from({ length: inFlight }, () => Buffer.from(batch));
  let appends = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(slots.map(async (buf) => {
    while (performance.now() < deadline) {
      await log.append(buf, { leaderEpoch: 0, assignOffsets: true });
      appends++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return {
    case: `PartitionLog ${durability}`,
    inFlight,
    mbPerSec: (appends * batch.length) / elapsed / 1e6,
    appendsPerSec: appends / elapsed,
    recordsPerSec: (appends * RECORDS_PER_BATCH) / elapsed,
  };
}

async function benchRaw(writeBytes: number, sync: boolean): Promise<Result> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-raw-'));
  const file = await open(join(dir, 'raw'), 'w');
  const buf = Buffer.alloc(writeBytes, 0x61);
  let position = 0;
  let writes = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  while (performance.now() < deadline) {
    await file.write(buf, 0, buf.length, position);
    if (sync) await file.datasync();
    position += buf.length;
    writes++;
  }
  const elapsed = (performance.now() - started) / 1000;
  await file.close();
  await rm(dir, { recursive: true, force: true });
  return {
    case: `raw write ${writeBytes >= 1 << 20 ? `${writeBytes >> 20} MiB` : `${writeBytes >> 10} KiB`}${sync ? ' + fdatasync' : ''}`,
    inFlight: 1,
    mbPerSec: position / elapsed / 1e6,
    appendsPerSec: writes / elapsed,
    recordsPerSec: 0,
  };
}

const batchBytes = template().length;
const results: Result[] = [];
for (const inFlight of [1, 8, 64]) results.push(await benchLog('fsync', inFlight));
for (const inFlight of [1, 8]) results.push(await benchLog('replicated', inFlight));
results.push(await benchRaw(batchBytes, true));
results.push(await benchRaw(1024 * 1024, true));
results.push(await benchRaw(batchBytes, false));

console.log(`append benchmark: ${RECORDS_PER_BATCH} x ${RECORD_BYTES} B records per batch (${batchBytes} B), ${seconds} s per case, ${tmpdir()}`);
console.table(results.map((r) => ({
  case: r.case,
  'in flight': r.inFlight,
  'MB/s': r.mbPerSec.toFixed(1),
  'ops/s': Math.round(r.appendsPerSec),
  'records/s': Math.round(r.recordsPerSec),
})));
console.log(JSON.stringify({ batchBytes, seconds, results }));
