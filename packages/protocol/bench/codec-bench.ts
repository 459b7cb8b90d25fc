/**
 * Micro-benchmark of the RecordBatch codec: prints records/s for encode and decode, validateBatches
 * and CRC-32C throughput, as a table and as JSON. Not a test: nothing here gates on a timing.
 *
 * Run: npx node packages/protocol/bench/codec-bench.ts [secondsPerCase]
 */
import { randomBytes } from 'node:crypto';
import {
  crc32c,
  decodeRecordBatch,
  encodeRecordBatch,
  validateBatches,
  type CompressionCodec,
  type ProducerRecord,
} from '../src/index.ts';

const secondsPerCase = Number(process.argv[2] ?? '1');

interface Result {
  case: string;
  opsPerSecond: number;
  recordsPerSecond?: number;
  megabytesPerSecond: number;
}

/** Runs `fn` repeatedly for about `secondsPerCase` (after a short warm-up); returns calls per second. */
function measure(fn: () => void): number {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) fn();
  let calls = 0;
  const start = performance.now();
  const until = start + secondsPerCase * 1000;
  while (performance.now() < until) {
    fn();
    calls++;
  }
  return (calls * 1000) / (performance.now() - start);
}

/** Records with a 16-byte key and a value of `valueBytes` (half random, half repetitive, so codecs have work). */
function makeRecords(count: number, valueBytes: number): ProducerRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`key-${String(i).padStart(12, '0')}`),
    value: Buffer.concat([randomBytes(valueBytes >> 1), Buffer.alloc(valueBytes - (valueBytes >> 1), 'x')]),
    timestamp: 1_700_000_000_000 + i,
  }));
}

const results: Result[] = [];
const cases: Array<{ valueBytes: number; perBatch: number; codecs: CompressionCodec[] }> = [
  { valueBytes: 100, perBatch: 1000, codecs: ['none', 'gzip', 'snappy', 'lz4', 'zstd'] },
  { valueBytes: 1024, perBatch: 100, codecs: ['none', 'zstd', 'lz4'] },
];
for (const { valueBytes, perBatch, codecs } of cases) {
  const records = makeRecords(perBatch, valueBytes);
  for (const compression of codecs) {
    const batch = encodeRecordBatch(records, { compression });
    const encodeOps = measure(() => {
      encodeRecordBatch(records, { compression });
    });
    results.push({
      case: `encode ${valueBytes} B x ${perBatch} (${compression})`,
      opsPerSecond: encodeOps,
      recordsPerSecond: encodeOps * perBatch,
      megabytesPerSecond: (encodeOps * batch.length) / 1e6,
    });
    const decodeOps = measure(() => {
      decodeRecordBatch(batch);
    });
    results.push({
      case: `decode ${valueBytes} B x ${perBatch} (${compression})`,
      opsPerSecond: decodeOps,
      recordsPerSecond: decodeOps * perBatch,
      megabytesPerSecond: (decodeOps * batch.length) / 1e6,
    });
  }
}

// The broker's produce path: framing + CRC of ~1 MiB of concatenated 100-byte-record batches.
const produceRequest = Buffer.concat(Array.from({ length: 10 }, () => encodeRecordBatch(makeRecords(1000, 100))));
const validateOps = measure(() => {
  validateBatches(produceRequest, { maxBatchBytes: 1 << 20 });
});
results.push({
  case: `validateBatches ${(produceRequest.length / 1e6).toFixed(2)} MB (10 batches)`,
  opsPerSecond: validateOps,
  recordsPerSecond: validateOps * 10_000,
  megabytesPerSecond: (validateOps * produceRequest.length) / 1e6,
});

for (const size of [4096, 1 << 20]) {
  const data = randomBytes(size);
  const ops = measure(() => {
    crc32c(data);
  });
  results.push({ case: `crc32c ${size} B`, opsPerSecond: ops, megabytesPerSecond: (ops * size) / 1e6 });
}

const fmt = (n: number | undefined): string => (n === undefined ? '' : Math.round(n).toLocaleString('en-US'));
console.log(`${'case'.padEnd(44)} ${'ops/s'.padStart(12)} ${'records/s'.padStart(14)} ${'MB/s'.padStart(10)}`);
for (const r of results) {
  console.log(
    `${r.case.padEnd(44)} ${fmt(r.opsPerSecond).padStart(12)} ${fmt(r.recordsPerSecond).padStart(14)} ${fmt(r.megabytesPerSecond).padStart(10)}`,
  );
}
console.log(JSON.stringify({ node: process.version, secondsPerCase, results }));
