/**
 * Property tests: round trips for arbitrary records with every codec, and corruption of any kind
 * always detected as CorruptBatchError (never a crash, never silently accepted).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateBatches } from './batch-framing.ts';
import { RECORD_BATCH_HEADER_BYTES, type CompressionCodec } from './batch-header.ts';
import { crc32c } from './crc32c.ts';
import { CorruptBatchError, RunnelError } from './errors.ts';
import { decodeRecordBatch, decodeRecords } from './record-batch-decoder.ts';
import { encodeRecordBatch } from './record-batch-encoder.ts';
import type { ProducerRecord } from './record-types.ts';

const codecs: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const limits = { maxBatchBytes: 16 * 1024 * 1024 };
const NOW = 1_700_000_000_000;

const bytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));

const recordArb: fc.Arbitrary<ProducerRecord> = fc.record(
  {
    key: fc.option(bytes(64), { nil: null }),
    value: fc.option(fc.oneof(bytes(300), fc.string({ unit: 'binary', maxLength: 50 }).map((s) => Buffer.from(s))), { nil: null }),
    headers: fc.array(
      fc.record({
        key: fc.string({ unit: 'binary', maxLength: 20 }),
        value: fc.option(bytes(40), { nil: null }),
      }),
      { maxLength: 4 },
    ),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  },
  { requiredKeys: ['key', 'value'] },
);

const batchArb = fc.record({
  records: fc.array(recordArb, { minLength: 1, maxLength: 20 }),
  compression: fc.constantFrom(...codecs),
  baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
  producerId: fc.integer({ min: -1, max: 2 ** 50 }),
});

describe('round trip', () => {
  it('decode(encode(records)) gives the same records, for every codec', () => {
    fc.assert(
      fc.property(batchArb, ({ records, compression, baseOffset, producerId }) => {
        const batch = encodeRecordBatch(records, { compression, baseOffset, producerId, now: NOW });
        const [validated] = validateBatches(batch, limits);
        expect(validated?.header).toMatchObject({ compression, baseOffset, producerId, recordCount: records.length });
        const decoded = decodeRecordBatch(batch).records;
        expect(decoded).toEqual(
          records.map((record, i) => ({
            offset: baseOffset + i,
            timestamp: record.timestamp ?? NOW,
            key: record.key,
            value: record.value,
            headers: record.headers ?? [],
            leaderEpoch: -1,
          })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('decodeRecords over concatenated batches gives every record at or after fromOffset', () => {
    fc.assert(
      fc.property(fc.array(batchArb, { minLength: 1, maxLength: 4 }), fc.nat(100), (batches, skip) => {
        let offset = 0;
        const buffers = batches.map(({ records, compression }) => {
          const batch = encodeRecordBatch(records, { compression, baseOffset: offset, now: NOW });
          offset += records.length;
          return batch;
        });
        const fromOffset = Math.min(skip, offset);
        const decoded = decodeRecords(Buffer.concat(buffers), fromOffset);
        expect(decoded.map((record) => record.offset)).toEqual(
          Array.from({ length: offset - fromOffset }, (_, i) => fromOffset + i),
        );
      }),
      { numRuns: 100 },
    );
  });
});

/** Two valid batches back to back, and where the second starts. */
const twoBatchesArb = fc.tuple(batchArb, batchArb).map(([a, b]) => {
  const first = encodeRecordBatch(a.records, { compression: a.compression, now: NOW });
  const second = encodeRecordBatch(b.records, { compression: b.compression, now: NOW, baseOffset: a.records.length });
  return { buf: Buffer.concat([first, second]), boundary: first.length };
});

function expectCorruptBatchError(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CorruptBatchError);
}

describe('corruption', () => {
  it('validateBatches rejects every single-byte change from the magic byte on (magic, CRC, and everything it covers)', () => {
    fc.assert(
      fc.property(twoBatchesArb, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ buf, boundary }, at, mask) => {
        const inSecond = at % 2 === 1;
        const start = (inSecond ? boundary : 0) + 16;
        const end = inSecond ? buf.length : boundary;
        const index = start + (at % (end - start));
        const corrupted = Buffer.from(buf);
        corrupted[index] = (corrupted[index] ?? 0) ^ mask;
        expectCorruptBatchError(() => validateBatches(corrupted, limits));
      }),
      { numRuns: 1000 },
    );
  });

  it('validateBatches rejects every truncation that does not end on a batch boundary', () => {
    fc.assert(
      fc.property(twoBatchesArb, fc.nat(), ({ buf, boundary }, at) => {
        let length = 1 + (at % (buf.length - 1));
        if (length === boundary) length -= 1;
        expectCorruptBatchError(() => validateBatches(buf.subarray(0, length), limits));
      }),
      { numRuns: 500 },
    );
  });

  it('a changed batchLength is never accepted', () => {
    fc.assert(
      fc.property(twoBatchesArb, fc.integer({ min: 8, max: 11 }), fc.integer({ min: 1, max: 255 }), ({ buf }, index, mask) => {
        const corrupted = Buffer.from(buf);
        corrupted[index] = (corrupted[index] ?? 0) ^ mask;
        expect(() => validateBatches(corrupted, limits)).toThrow(RunnelError);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeRecordBatch fails cleanly (CorruptBatchError, no crash) on garbage records behind a valid CRC', () => {
    fc.assert(
      fc.property(
        batchArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        ({ records, compression }, flips) => {
          const batch = encodeRecordBatch(records, { compression, now: NOW });
          const sectionLength = batch.length - RECORD_BATCH_HEADER_BYTES;
          for (const [at, mask] of flips) {
            const index = RECORD_BATCH_HEADER_BYTES + (at % sectionLength);
            batch[index] = (batch[index] ?? 0) ^ mask;
          }
          batch.writeUInt32BE(crc32c(batch.subarray(21)), 17);
          try {
            decodeRecordBatch(batch);
          } catch (error) {
            // Flips can still decode (e.g. inside a value); what must never happen is another error type.
            expect(error).toBeInstanceOf(CorruptBatchError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('validateBatches and decodeRecords never crash on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (array) => {
        const buf = Buffer.from(array);
        for (const fn of [() => validateBatches(buf, limits), () => decodeRecords(buf)]) {
          try {
            fn();
          } catch (error) {
            expect(error).toBeInstanceOf(RunnelError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
