import { compressSync } from 'snappy';
import { describe, expect, it } from 'vitest';
import { RECORD_BATCH_HEADER_BYTES, readBatchHeader, type CompressionCodec } from './batch-header.ts';
import { crc32c } from './crc32c.ts';
import { CorruptBatchError, RunnelError } from './errors.ts';
import { decodeRecordBatch, decodeRecords } from './record-batch-decoder.ts';
import { encodeRecordBatch } from './record-batch-encoder.ts';
import type { ProducerRecord } from './record-types.ts';

const codecs: CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Replaces the records section of `batch` with `section` and fixes length and CRC, so only the records are wrong. */
function withRecordsSection(batch: Buffer, section: Buffer, recordCount?: number): Buffer {
  const out = Buffer.concat([batch.subarray(0, RECORD_BATCH_HEADER_BYTES), section]);
  out.writeInt32BE(out.length - 12, 8);
  if (recordCount !== undefined) {
    out.writeInt32BE(recordCount, 57);
    out.writeInt32BE(recordCount - 1, 23);
  }
  out.writeUInt32BE(crc32c(out.subarray(21)), 17);
  return out;
}

function expectCorrupt(fn: () => unknown, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CorruptBatchError);
  expect((caught as Error).message).toMatch(message);
}

describe('encodeRecordBatch', () => {
  it('uses the first record timestamp as base, the largest as max, and `now` for records without one', () => {
    const batch = encodeRecordBatch(
      [
        { key: null, value: Buffer.from('a'), timestamp: 5_000 },
        { key: null, value: Buffer.from('b') },
        { key: null, value: Buffer.from('c'), timestamp: 1_000 },
      ],
      { now: 9_000 },
    );
    expect(readBatchHeader(batch)).toMatchObject({ baseTimestamp: 5_000, maxTimestamp: 9_000, recordCount: 3, lastOffsetDelta: 2 });
    expect(decodeRecordBatch(batch).records.map((record) => record.timestamp)).toEqual([5_000, 9_000, 1_000]);
  });

  it('round-trips timestamp deltas beyond 32 bits, both ways', () => {
    const records: ProducerRecord[] = [
      { key: null, value: null, timestamp: 1_700_000_000_000 },
      { key: null, value: null, timestamp: 0 },
      { key: null, value: null, timestamp: 4_000_000_000_000_000 },
    ];
    const decoded = decodeRecordBatch(encodeRecordBatch(records)).records;
    expect(decoded.map((record) => record.timestamp)).toEqual([1_700_000_000_000, 0, 4_000_000_000_000_000]);
  });

  it('refuses timestamp deltas a decoder could not read back exactly', () => {
    const records: ProducerRecord[] = [
      { key: null, value: null, timestamp: 0 },
      { key: null, value: null, timestamp: 2 ** 52 },
    ];
    expect(() => encodeRecordBatch(records)).toThrow("Cannot encode record 1: timestamp 4503599627370496 is too far (more than 2^52 ms) from the first record's 0");
  });

  it('marks transactional batches and carries producer fields', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('x') }], {
      isTransactional: true,
      producerId: 77,
      producerEpoch: 3,
      baseSequence: 1_000,
      partitionLeaderEpoch: 9,
      baseOffset: 123,
    });
    expect(readBatchHeader(batch)).toMatchObject({
      isTransactional: true,
      producerId: 77,
      producerEpoch: 3,
      baseSequence: 1_000,
      partitionLeaderEpoch: 9,
      baseOffset: 123,
    });
  });

  it('rejects input it cannot encode, naming the record', () => {
    const bad = (records: unknown[], code = 'INVALID_RECORD'): void => {
      let caught: unknown;
      try {
        encodeRecordBatch(records as ProducerRecord[]);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RunnelError);
      expect(caught).toMatchObject({ code });
    };
    bad([]);
    bad([{ key: 'string key', value: null }]);
    bad([{ key: null, value: null }, { key: null, value: 42 }]);
    bad([{ key: null, value: null, headers: [{ key: 1, value: null }] }]);
    bad([{ key: null, value: null, headers: [{ key: 'h', value: 'text' }] }]);
    bad([{ key: null, value: null, timestamp: 1.5 }]);
    expect(() => encodeRecordBatch([{ key: null, value: 42 as unknown as Buffer }])).toThrow(
      'Cannot encode record 0: value must be a Buffer or null',
    );
  });

  it('rejects an unknown compression codec with UNSUPPORTED_COMPRESSION', () => {
    expect(() => encodeRecordBatch([{ key: null, value: null }], { compression: 'brotli' as CompressionCodec })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_COMPRESSION' }) as Error,
    );
  });

  it.each(codecs)('compresses large repetitive batches with %s', (compression) => {
    const value = Buffer.alloc(100_000, 'abcdefgh');
    const batch = encodeRecordBatch([{ key: null, value }, { key: null, value }], { compression });
    if (compression !== 'none') expect(batch.length).toBeLessThan(value.length);
    const decoded = decodeRecordBatch(batch).records;
    expect(decoded.map((record) => record.value?.equals(value))).toEqual([true, true]);
  });
});

describe('decodeRecordBatch', () => {
  it('returns keys and values as views into the input, not copies', () => {
    const batch = encodeRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('value') }]);
    const [record] = decodeRecordBatch(batch).records;
    expect(record?.value?.buffer).toBe(batch.buffer);
    batch[batch.length - 3] = 'X'.charCodeAt(0);
    expect(record?.value?.toString()).toBe('valXe');
  });

  it('gives records without headers an empty read-only headers array, and records with headers their own', () => {
    const batch = encodeRecordBatch([
      { key: null, value: Buffer.from('a') },
      { key: null, value: Buffer.from('b'), headers: [{ key: 'h', value: Buffer.from('1') }] },
      { key: null, value: Buffer.from('c') },
    ]);
    const [a, b, c] = decodeRecordBatch(batch).records;
    expect(a?.headers).toEqual([]);
    expect(() => (a?.headers as unknown[]).push({ key: 'x', value: null })).toThrow(TypeError);
    expect(c?.headers).toEqual([]);
    expect(b?.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['h', '1']]);
  });

  it('verifies the CRC', () => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('hello') }]);
    batch[batch.length - 1] = (batch[batch.length - 1] ?? 0) ^ 0xff;
    expectCorrupt(() => decodeRecordBatch(batch), /CRC mismatch/);
  });

  it.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('reports %s data that does not decompress as CorruptBatchError', (compression) => {
    const batch = encodeRecordBatch([{ key: null, value: Buffer.from('hello') }], { compression });
    const garbage = withRecordsSection(batch, Buffer.from('definitely not compressed data at all'));
    expectCorrupt(() => decodeRecordBatch(garbage), /position 0: .* does not decompress/);
  });

  it('rejects fewer records than declared, extra bytes, and lengths that overrun', () => {
    const two = encodeRecordBatch([
      { key: null, value: Buffer.from('one') },
      { key: null, value: Buffer.from('two') },
    ]);
    const section = two.subarray(RECORD_BATCH_HEADER_BYTES);
    expectCorrupt(() => decodeRecordBatch(withRecordsSection(two, section, 3)), /recordCount 3 is not possible in 20 bytes/);
    const roomy = encodeRecordBatch([
      { key: null, value: Buffer.from('the first value') },
      { key: null, value: Buffer.from('the second value') },
    ]);
    const roomySection = roomy.subarray(RECORD_BATCH_HEADER_BYTES);
    expectCorrupt(() => decodeRecordBatch(withRecordsSection(roomy, roomySection, 3)), /ends inside a varint/);
    expectCorrupt(() => decodeRecordBatch(withRecordsSection(two, Buffer.concat([section, Buffer.from([0])]))), /1 bytes follow the 2 declared records/);
    const overrun = Buffer.from(section);
    overrun[0] = 0x7e; // first record claims 63 bytes
    expectCorrupt(() => decodeRecordBatch(withRecordsSection(two, overrun)), /record 0 length 63 exceeds the batch/);
    const longValue = Buffer.from(section);
    longValue[5] = 0x20; // value length 16 inside a 9-byte record
    expectCorrupt(() => decodeRecordBatch(withRecordsSection(two, longValue)), /value length 16 exceeds the record/);
  });
});

describe('snappy without the xerial framing', () => {
  it('decodes a bare raw Snappy records section, as some non-Java clients write it', () => {
    const records: ProducerRecord[] = [
      { key: Buffer.from('k'), value: Buffer.alloc(500, 'snappy ') },
      { key: null, value: Buffer.from('second') },
    ];
    const plain = encodeRecordBatch(records, { now: 1 });
    const raw = withRecordsSection(plain, compressSync(plain.subarray(RECORD_BATCH_HEADER_BYTES)));
    raw.writeInt16BE(2, 21); // attributes: snappy
    raw.writeUInt32BE(crc32c(raw.subarray(21)), 17);
    expect(decodeRecordBatch(raw).records).toEqual(decodeRecordBatch(plain).records);
  });
});

describe('decodeRecords', () => {
  it('ignores a partial trailing batch, as a fetch cut by maxBytes ends', () => {
    const first = encodeRecordBatch([{ key: null, value: Buffer.from('a') }], { baseOffset: 0 });
    const second = encodeRecordBatch([{ key: null, value: Buffer.from('b') }], { baseOffset: 1 });
    const fetched = Buffer.concat([first, second.subarray(0, second.length - 1)]);
    expect(decodeRecords(fetched).map((record) => record.value?.toString())).toEqual(['a']);
    expect(decodeRecords(Buffer.concat([first, second.subarray(0, 20)]))).toHaveLength(1);
    expect(decodeRecords(Buffer.alloc(0))).toEqual([]);
  });

  it('still throws on a corrupt complete batch', () => {
    const first = encodeRecordBatch([{ key: null, value: Buffer.from('a') }]);
    first[first.length - 1] = (first[first.length - 1] ?? 0) ^ 0xff;
    expect(() => decodeRecords(first)).toThrow(CorruptBatchError);
  });
});
