import { describe, expect, it } from 'vitest';
import { setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch, validateBatches } from './batch-framing.ts';
import { readBatchHeader, verifyBatchCrc } from './batch-header.ts';
import { CorruptBatchError, RecordTooLargeError } from './errors.ts';
import { buildRawBatch } from './test-support/raw-batch.ts';

const limits = { maxBatchBytes: 1024 * 1024 };

describe('validateBatches', () => {
  it('splits concatenated batches and reports their positions, sizes and headers', () => {
    const a = buildRawBatch({ recordCount: 3, body: Buffer.alloc(10) });
    const b = buildRawBatch({ recordCount: 1, baseOffset: 3, body: Buffer.alloc(25) });
    const result = validateBatches(Buffer.concat([a, b]), limits);
    expect(result.map(({ position, size, header }) => ({ position, size, recordCount: header.recordCount }))).toEqual([
      { position: 0, size: a.length, recordCount: 3 },
      { position: a.length, size: b.length, recordCount: 1 },
    ]);
  });

  it('returns no batches for an empty buffer', () => {
    expect(validateBatches(Buffer.alloc(0), limits)).toEqual([]);
  });

  it('rejects a trailing partial batch, naming its position', () => {
    const a = buildRawBatch();
    const b = buildRawBatch();
    const buf = Buffer.concat([a, b.subarray(0, b.length - 3)]);
    expect(() => validateBatches(buf, limits)).toThrow(CorruptBatchError);
    expect(() => validateBatches(buf, limits)).toThrow(`position ${a.length}: batch of ${b.length} bytes is truncated`);
    expect(() => validateBatches(Buffer.concat([a, b.subarray(0, 5)]), limits)).toThrow(/5 trailing bytes are not a batch/);
  });

  it('rejects a batch larger than maxBatchBytes with RecordTooLargeError', () => {
    const buf = buildRawBatch({ body: Buffer.alloc(1000) });
    const error = catchError(() => validateBatches(buf, { maxBatchBytes: 1000 }));
    expect(error).toBeInstanceOf(RecordTooLargeError);
    expect(error).toMatchObject({ code: 'RECORD_TOO_LARGE', retriable: false });
    expect((error as Error).message).toBe('Record batch at position 0 is 1061 bytes, more than the maximum of 1000');
    expect(validateBatches(buf, { maxBatchBytes: 1061 })).toHaveLength(1);
  });

  it('rejects a batchLength too small for the header, and a negative one', () => {
    const buf = buildRawBatch();
    buf.writeInt32BE(10, 8);
    expect(() => validateBatches(buf, limits)).toThrow(/batch size 22 is smaller than the 61-byte header/);
    buf.writeInt32BE(-1, 8);
    expect(() => validateBatches(buf, limits)).toThrow(CorruptBatchError);
  });

  it('rejects old message formats by magic before checking the CRC', () => {
    expect(() => validateBatches(buildRawBatch({ magic: 0 }), limits)).toThrow(/magic 0 is not supported/);
  });

  it('rejects a CRC mismatch', () => {
    const buf = buildRawBatch();
    buf[30] = (buf[30] ?? 0) ^ 0x80;
    expect(() => validateBatches(buf, limits)).toThrow(/CRC mismatch/);
  });

  it('rejects recordCount that disagrees with lastOffsetDelta', () => {
    const buf = buildRawBatch({ recordCount: 3, lastOffsetDelta: 3 });
    expect(() => validateBatches(buf, limits)).toThrow(/recordCount 3 does not match lastOffsetDelta 3 \(expected 4\)/);
    expect(() => validateBatches(buildRawBatch({ recordCount: 0, lastOffsetDelta: -1 }), limits)).toThrow(
      /lastOffsetDelta -1 is negative/,
    );
  });

  it('accepts thinned batches only with allowCompacted', () => {
    const thinned = buildRawBatch({ recordCount: 2, lastOffsetDelta: 9 });
    const empty = buildRawBatch({ recordCount: 0, lastOffsetDelta: 4 });
    const buf = Buffer.concat([thinned, empty]);
    expect(() => validateBatches(buf, limits)).toThrow(CorruptBatchError);
    expect(validateBatches(buf, { ...limits, allowCompacted: true })).toHaveLength(2);
    const tooMany = buildRawBatch({ recordCount: 6, lastOffsetDelta: 4 });
    expect(() => validateBatches(tooMany, { ...limits, allowCompacted: true })).toThrow(/expected at most 5/);
  });
});

describe('in-place stamps', () => {
  it('setBaseOffset and setPartitionLeaderEpoch change the header and keep the CRC valid', () => {
    const buf = Buffer.concat([Buffer.alloc(3), buildRawBatch()]);
    setBaseOffset(buf, 3, 4_000_000_000_123);
    setPartitionLeaderEpoch(buf, 3, 42);
    verifyBatchCrc(buf, 3);
    expect(readBatchHeader(buf, 3)).toMatchObject({ baseOffset: 4_000_000_000_123, partitionLeaderEpoch: 42 });
  });

  it('setBaseOffset refuses a value it cannot encode exactly', () => {
    expect(() => setBaseOffset(buildRawBatch(), 0, 2 ** 60)).toThrow(/Cannot encode baseOffset/);
    expect(() => setBaseOffset(buildRawBatch(), 0, 1.5)).toThrow(/not a safe integer/);
  });

  it('setLogAppendTime marks the batch LogAppendTime, sets maxTimestamp and recomputes the CRC', () => {
    const buf = buildRawBatch({ attributes: 0x01, maxTimestamp: 5 });
    const crcBefore = buf.readUInt32BE(17);
    setLogAppendTime(buf, 0, 1_700_000_123_456);
    verifyBatchCrc(buf);
    expect(buf.readUInt32BE(17)).not.toBe(crcBefore);
    expect(readBatchHeader(buf)).toMatchObject({
      timestampType: 'logAppend',
      compression: 'gzip',
      maxTimestamp: 1_700_000_123_456,
    });
  });

  it('setLogAppendTime refuses a batch that is not wholly in the buffer', () => {
    const buf = buildRawBatch();
    expect(() => setLogAppendTime(buf.subarray(0, buf.length - 1), 0, 1)).toThrow(/not wholly in the buffer/);
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
