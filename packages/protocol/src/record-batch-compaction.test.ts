import { describe, expect, it } from 'vitest';
import { setLogAppendTime, validateBatches } from './batch-framing.ts';
import { CorruptBatchError, RunnelError } from './errors.ts';
import { encodeCompactedBatch } from './record-batch-compaction.ts';
import { decodeRecordBatch, decodeRecords } from './record-batch-decoder.ts';
import { encodeRecordBatch } from './record-batch-encoder.ts';
import type { ProducerRecord } from './record-types.ts';
import { loadKafkaFixtures } from './test-support/kafka-fixtures.ts';

const limits = { maxBatchBytes: 1 << 20 };
const producer = { producerId: 9_001, producerEpoch: 4, baseSequence: 30, partitionLeaderEpoch: 6, baseOffset: 100 };
const fiveRecords: ProducerRecord[] = ['a', 'b', 'a', 'c', 'b'].map((key, i) => ({
  key: Buffer.from(key),
  value: Buffer.from(`value-${i}`),
  headers: [{ key: 'n', value: Buffer.from(String(i)) }],
  timestamp: 1_000 + i,
}));

describe('encodeCompactedBatch', () => {
  it.each(['none', 'zstd'] as const)('keeps offsets, timestamps and producer fields of the survivors (%s)', (compression) => {
    const { header, records } = decodeRecordBatch(encodeRecordBatch(fiveRecords, { ...producer, compression }));
    const kept = [records[2]!, records[3]!, records[4]!];
    const compacted = encodeCompactedBatch(header, kept);

    expect(() => validateBatches(compacted, limits)).toThrow(CorruptBatchError);
    const [validated] = validateBatches(compacted, { ...limits, allowCompacted: true });
    const { crc: _a, batchLength: _b, recordCount, baseTimestamp, ...unchanged } = validated!.header;
    const { crc: _c, batchLength: _d, recordCount: _e, baseTimestamp: _f, ...original } = header;
    expect(unchanged).toEqual(original);
    expect(recordCount).toBe(3);
    expect(baseTimestamp).toBe(1_002);
    expect(decodeRecordBatch(compacted).records).toEqual(kept);
  });

  it('writes an empty, header-only batch when nothing survives, which readers skip', () => {
    const { header } = decodeRecordBatch(encodeRecordBatch(fiveRecords, { ...producer, compression: 'gzip' }));
    const empty = encodeCompactedBatch(header, []);
    expect(empty.length).toBe(61);
    const [validated] = validateBatches(empty, { ...limits, allowCompacted: true });
    expect(validated?.header).toMatchObject({
      recordCount: 0,
      lastOffsetDelta: 4,
      baseOffset: 100,
      producerId: 9_001,
      baseSequence: 30,
      compression: 'none',
      baseTimestamp: -1,
      maxTimestamp: 1_004,
    });
    expect(decodeRecords(empty)).toEqual([]);
  });

  it('keeps LogAppendTime batches LogAppendTime', () => {
    const batch = encodeRecordBatch(fiveRecords, producer);
    setLogAppendTime(batch, 0, 55_555);
    const { header, records } = decodeRecordBatch(batch);
    const compacted = decodeRecordBatch(encodeCompactedBatch(header, [records[0]!]));
    expect(compacted.header.timestampType).toBe('logAppend');
    expect(compacted.records.map((record) => [record.offset, record.timestamp])).toEqual([[100, 55_555]]);
  });

  it('refuses offsets outside the batch or out of order, and control batches', () => {
    const { header, records } = decodeRecordBatch(encodeRecordBatch(fiveRecords, producer));
    const invalid = (fn: () => unknown): void => {
      expect(fn).toThrow(RunnelError);
      expect(fn).toThrow(/Cannot compact/);
    };
    invalid(() => encodeCompactedBatch(header, [records[3]!, records[1]!]));
    invalid(() => encodeCompactedBatch(header, [records[1]!, records[1]!]));
    invalid(() => encodeCompactedBatch(header, [{ ...records[4]!, offset: 105 }]));
    invalid(() => encodeCompactedBatch(header, [{ ...records[0]!, offset: 99 }]));
    const control = loadKafkaFixtures().find((fixture) => fixture.kind === 'control')!;
    invalid(() => encodeCompactedBatch(decodeRecordBatch(control.bytes).header, []));
  });
});
