import { describe, expect, it } from 'vitest';
import { RECORD_BATCH_HEADER_BYTES, batchSizeAt, readBatchHeader, verifyBatchCrc } from './batch-header.ts';
import { CorruptBatchError } from './errors.ts';
import { buildRawBatch } from './test-support/raw-batch.ts';

describe('batchSizeAt', () => {
  it('is 12 + batchLength, at any position', () => {
    const batch = buildRawBatch({ body: Buffer.alloc(40) });
    const buf = Buffer.concat([Buffer.alloc(7), batch]);
    expect(batchSizeAt(buf, 7)).toBe(RECORD_BATCH_HEADER_BYTES + 40);
  });

  it('is -1 when fewer than 12 bytes remain', () => {
    const batch = buildRawBatch();
    expect(batchSizeAt(batch.subarray(0, 11), 0)).toBe(-1);
    expect(batchSizeAt(batch, batch.length - 11)).toBe(-1);
    expect(batchSizeAt(batch.subarray(0, 12), 0)).toBe(batch.length);
  });
});

describe('readBatchHeader', () => {
  it('parses every field and decodes the attribute bits', () => {
    const buf = buildRawBatch({
      baseOffset: 9_007_199_254_740_000,
      partitionLeaderEpoch: 17,
      attributes: 0x04 | 0x08 | 0x10,
      lastOffsetDelta: 4,
      recordCount: 5,
      baseTimestamp: 1_600_000_000_000,
      maxTimestamp: 1_600_000_000_999,
      producerId: 123_456_789_012,
      producerEpoch: 3,
      baseSequence: 77,
    });
    const header = readBatchHeader(buf);
    expect(header).toEqual({
      baseOffset: 9_007_199_254_740_000,
      batchLength: buf.length - 12,
      partitionLeaderEpoch: 17,
      magic: 2,
      crc: buf.readUInt32BE(17),
      attributes: 0x1c,
      lastOffsetDelta: 4,
      baseTimestamp: 1_600_000_000_000,
      maxTimestamp: 1_600_000_000_999,
      producerId: 123_456_789_012,
      producerEpoch: 3,
      baseSequence: 77,
      recordCount: 5,
      compression: 'zstd',
      isTransactional: true,
      isControl: false,
      timestampType: 'logAppend',
    });
  });

  it('needs only the 61 header bytes', () => {
    const buf = buildRawBatch({ recordCount: 3 });
    expect(readBatchHeader(buf.subarray(0, RECORD_BATCH_HEADER_BYTES)).recordCount).toBe(3);
  });

  it('rejects short input, naming the position', () => {
    const buf = Buffer.concat([Buffer.alloc(5), buildRawBatch().subarray(0, 60)]);
    expect(() => readBatchHeader(buf, 5)).toThrow(CorruptBatchError);
    expect(() => readBatchHeader(buf, 5)).toThrow(/position 5: need 61 header bytes, only 60 remain/);
  });

  it('rejects magic other than 2', () => {
    const error = catchError(() => readBatchHeader(buildRawBatch({ magic: 1 })));
    expect(error).toBeInstanceOf(CorruptBatchError);
    expect(error).toMatchObject({ code: 'CORRUPT_BATCH', position: 0, retriable: true });
    expect((error as Error).message).toMatch(/magic 1 is not supported/);
  });

  it('rejects an unknown compression id and a batchLength below the header size', () => {
    expect(() => readBatchHeader(buildRawBatch({ attributes: 5 }))).toThrow(/unknown compression id 5/);
    const buf = buildRawBatch();
    buf.writeInt32BE(48, 8);
    expect(() => readBatchHeader(buf)).toThrow(/batchLength 48 is smaller than the 49-byte minimum/);
  });

  it('rejects int64 fields outside the safe integer range instead of rounding them', () => {
    const buf = buildRawBatch();
    buf.writeBigInt64BE(2n ** 60n, 0);
    expect(() => readBatchHeader(buf)).toThrow(/baseOffset 1152921504606846976 is outside the safe integer range/);
  });
});

describe('verifyBatchCrc', () => {
  it('accepts an intact batch and one whose uncovered fields were restamped', () => {
    const buf = buildRawBatch();
    verifyBatchCrc(buf);
    buf.writeBigInt64BE(99n, 0);
    buf.writeInt32BE(5, 12);
    verifyBatchCrc(buf);
  });

  it('names expected and actual CRC on a mismatch', () => {
    const buf = buildRawBatch();
    const stored = buf.readUInt32BE(17);
    buf[buf.length - 1] = (buf[buf.length - 1] ?? 0) ^ 0x01;
    const error = catchError(() => verifyBatchCrc(buf));
    expect(error).toBeInstanceOf(CorruptBatchError);
    expect((error as Error).message).toContain(`CRC mismatch (expected 0x${stored.toString(16).padStart(8, '0')}, got 0x`);
  });

  it('rejects a batch that does not fit in the buffer', () => {
    const buf = buildRawBatch();
    expect(() => verifyBatchCrc(buf.subarray(0, buf.length - 1))).toThrow(/truncated/);
    expect(() => verifyBatchCrc(buf.subarray(0, 8))).toThrow(/fewer than 12 bytes remain/);
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the function to throw');
}
