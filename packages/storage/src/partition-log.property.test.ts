/**
 * Property test: random sequences of appends (leader and follower), reads, truncations,
 * reopens and retention runs against a plain array model of the partition.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stat } from 'node:fs/promises';
import { batchSizeAt, decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { makeTempDir, removeDir, testConfig } from './testing/log-fixtures.ts';

type Op =
  | { kind: 'append'; batches: number[]; valueBytes: number }
  | { kind: 'read'; at: number; maxBytes: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'reopen' }
  | { kind: 'retention' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), batches: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }), valueBytes: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), maxBytes: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'retention' as const }) },
);

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('PartitionLog against a model', () => {
  it('agrees with an array of records under random appends, reads, truncations, reopens and retention', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
      const path = `${dir}/run-${run++}`;
      const config = testConfig({ segmentBytes: 1500, indexIntervalBytes: 200, retentionBytes: 3000, retentionMs: -1 });
      let log = await PartitionLog.open({ dir: path, config });
      // model[i] is the value at offset i; undefined below the log start (deleted by retention).
      let model: Array<string | undefined> = [];
      let batchStarts: number[] = [];
      let counter = 0;
      try {
        for (const op of ops) {
          if (op.kind === 'append') {
            const buffers = op.batches.map((n) => encodeRecordBatch(Array.from({ length: n }, () => ({ key: null, value: Buffer.from(`v${counter++}`.padEnd(op.valueBytes, '#')) }))));
            const values = buffers.flatMap((b) => decodeRecords(b).map((r) => r.value!.toString()));
            const result = await log.append(Buffer.concat(buffers), { leaderEpoch: 1, assignOffsets: true });
            expect(result.baseOffset).toBe(model.length);
            let start = model.length;
            for (const n of op.batches) {
              batchStarts.push(start);
              start += n;
            }
            model = [...model, ...values];
            expect(result.lastOffset).toBe(model.length - 1);
          } else if (op.kind === 'read') {
            const from = log.logStartOffset + Math.floor(op.at * (model.length - log.logStartOffset));
            const { records, firstOffset } = await log.read(from, { maxBytes: op.maxBytes });
            const got = decodeRecords(records);
            if (from === model.length) {
              expect(got).toEqual([]);
              continue;
            }
            expect(firstOffset).toBe(batchStarts.findLast((s) => s <= from));
            expect(got.length).toBeGreaterThan(0);
            expect(got.some((r) => r.offset === from)).toBe(true);
            for (const r of got) expect(r.value!.toString()).toBe(model[r.offset]);
            // More than one batch is returned only when they all fit in maxBytes.
            let batches = 0;
            for (let p = 0; p < records.length; p += batchSizeAt(records, p)) batches++;
            if (batches > 1) expect(records.length).toBeLessThanOrEqual(op.maxBytes);
          } else if (op.kind === 'truncate') {
            const to = log.logStartOffset + Math.floor(op.at * (model.length - log.logStartOffset));
            await log.truncateTo(to);
            const cut = batchStarts.find((s) => s <= to && to < (batchStarts[batchStarts.indexOf(s) + 1] ?? model.length)) ?? to;
            const newEnd = to >= model.length ? model.length : cut;
            model = model.slice(0, newEnd);
            batchStarts = batchStarts.filter((s) => s < newEnd);
            expect(log.logEndOffset).toBe(model.length);
          } else if (op.kind === 'reopen') {
            await log.close();
            log = await PartitionLog.open({ dir: path, config });
            expect(log.logEndOffset).toBe(model.length);
          } else {
            log.highWatermark = log.logEndOffset;
            await log.enforceRetention();
            for (let i = 0; i < log.logStartOffset; i++) model[i] = undefined;
            // Kafka's rule: the oldest closed segment stays only if deleting it would leave less than retention.bytes.
            const bases = log.segmentBaseOffsets();
            if (bases.length > 1) {
              const first = await stat(`${path}/${String(bases[0]).padStart(20, '0')}.log`);
              expect(log.sizeBytes - first.size).toBeLessThan(3000);
            }
          }
        }
        const report = await log.verify();
        expect(report.problems).toEqual([]);
        expect(report.records).toBe(model.length - log.logStartOffset);
      } finally {
        await log.close();
      }
    }), { numRuns: 60 });
    // Generous: the machine is shared, and 60 runs touch the disk a few thousand times.
  }, 120_000);
});
