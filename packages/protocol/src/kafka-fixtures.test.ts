/**
 * Byte compatibility with Apache Kafka, proven against batches written by kafka-clients itself
 * (fixtures/, see the package README for the generator).
 *
 * For `none` and `snappy`, our encoder must produce the identical bytes. For gzip, lz4 and zstd a
 * different compressor may legitimately produce different (equally valid) compressed bytes, so we
 * compare everything else exactly: the header fields, and the uncompressed records section
 * byte for byte; and we check that our compressed batch decodes to the same records. (That Kafka
 * decodes our compressed output is checked by the generator's `verify` mode, run by hand.)
 */
import { describe, expect, it } from 'vitest';
import { setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch, validateBatches } from './batch-framing.ts';
import { RECORD_BATCH_HEADER_BYTES, readBatchHeader } from './batch-header.ts';
import { decompressRecords } from './compression.ts';
import { encodeCompactedBatch } from './record-batch-compaction.ts';
import { decodeRecordBatch, decodeRecords } from './record-batch-decoder.ts';
import { encodeRecordBatch } from './record-batch-encoder.ts';
import { loadKafkaFixtures, producerRecordsOf, type KafkaFixture } from './test-support/kafka-fixtures.ts';

const fixtures = loadKafkaFixtures();
const byName = (name: string): KafkaFixture => {
  const fixture = fixtures.find((candidate) => candidate.name === name);
  if (fixture === undefined) throw new Error(`no fixture ${name}`);
  return fixture;
};
const dataFixtures = fixtures.filter((fixture) => fixture.kind === 'records');
/** Fixtures a producer could have written: what the encoder must reproduce. */
const producerFixtures = fixtures.filter((fixture) => fixture.kind === 'records' || fixture.kind === 'large');

function recordsSection(batch: Buffer): Buffer {
  const header = readBatchHeader(batch);
  return decompressRecords(header.compression, batch.subarray(RECORD_BATCH_HEADER_BYTES), 0);
}

describe('Kafka golden fixtures', () => {
  it('cover every compression codec', () => {
    expect(new Set(dataFixtures.map((fixture) => fixture.compression))).toEqual(new Set(['none', 'gzip', 'snappy', 'lz4', 'zstd']));
  });

  describe.each(fixtures.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
    it('passes validateBatches and decodes to the described header and records', () => {
      const allowCompacted = fixture.kind === 'compacted';
      const [only, ...rest] = validateBatches(fixture.bytes, { maxBatchBytes: 1 << 20, allowCompacted });
      expect(rest).toEqual([]);
      expect(only?.size).toBe(fixture.bytes.length);
      const { header, records } = decodeRecordBatch(fixture.bytes);
      expect(header).toMatchObject(fixture.header);
      if (fixture.kind === 'control') {
        expect(records).toHaveLength(1);
        return;
      }
      if (fixture.kind === 'large') {
        // Not spelled out in the JSON; spot-check what the generator wrote: key-<i>, 2000-byte values.
        expect(records.map((record) => record.key?.toString())).toEqual(records.map((_, i) => `key-${i}`));
        expect(records.every((record) => record.value?.length === 2000 && record.offset === record.timestamp - records[0]!.timestamp)).toBe(true);
        return;
      }
      expect(records).toEqual(
        fixture.records.map((record) => ({ ...record, leaderEpoch: fixture.header.partitionLeaderEpoch })),
      );
    });
  });

  describe.each(producerFixtures.map((fixture) => [fixture.name, fixture] as const))('encoding %s', (_name, fixture) => {
    const encoded = encodeRecordBatch(producerRecordsOf(fixture), { ...fixture.options, compression: fixture.compression });

    if (fixture.compression === 'none' || fixture.compression === 'snappy') {
      it('gives the identical bytes', () => {
        expect(encoded.toString('hex')).toBe(fixture.bytes.toString('hex'));
      });
    } else {
      it('gives the identical header and uncompressed records, and decodes to the same records', () => {
        const { crc: _ourCrc, batchLength: _ourLength, ...ours } = readBatchHeader(encoded);
        const { crc: _theirCrc, batchLength: _theirLength, ...theirs } = readBatchHeader(fixture.bytes);
        expect(ours).toEqual(theirs);
        expect(recordsSection(encoded).equals(recordsSection(fixture.bytes))).toBe(true);
        expect(decodeRecordBatch(encoded).records).toEqual(decodeRecordBatch(fixture.bytes).records);
      });
    }
  });

  describe.each(fixtures.filter((fixture) => fixture.kind === 'compacted').map((fixture) => [fixture.name, fixture] as const))(
    'compaction %s',
    (_name, fixture) => {
      it("encodeCompactedBatch gives the bytes of Kafka's log cleaner", () => {
        const source = decodeRecordBatch(fixture.source!);
        const kept = source.records.filter((record) => fixture.records.some((survivor) => survivor.offset === record.offset));
        expect(kept).toHaveLength(fixture.records.length);
        expect(encodeCompactedBatch(source.header, kept).toString('hex')).toBe(fixture.bytes.toString('hex'));
      });
    },
  );

  it('setBaseOffset and setPartitionLeaderEpoch stamp exactly what Kafka wrote with those values', () => {
    const fixture = byName('idempotent-none');
    const encoded = encodeRecordBatch(producerRecordsOf(fixture), {
      ...fixture.options,
      baseOffset: 0,
      partitionLeaderEpoch: -1,
    });
    setBaseOffset(encoded, 0, fixture.options.baseOffset);
    setPartitionLeaderEpoch(encoded, 0, fixture.options.partitionLeaderEpoch);
    expect(encoded.toString('hex')).toBe(fixture.bytes.toString('hex'));
  });

  it("setLogAppendTime gives the bytes of Kafka's own LogAppendTime restamp, and readers see the append time", () => {
    const fixture = byName('log-append-time-none');
    const encoded = encodeRecordBatch(producerRecordsOf(fixture).map((record, i) => ({ ...record, timestamp: 1_700_000_000_000 + i })), fixture.options);
    setLogAppendTime(encoded, 0, fixture.logAppendTime!);
    expect(encoded.toString('hex')).toBe(fixture.bytes.toString('hex'));
    expect(decodeRecordBatch(encoded).records.map((record) => record.timestamp)).toEqual([
      fixture.logAppendTime,
      fixture.logAppendTime,
    ]);
  });

  it('decodeRecords skips control batches (transaction markers) and records below fromOffset', () => {
    const basic = Buffer.from(byName('basic-none').bytes); // offsets 0..2
    const control = Buffer.from(byName('control-commit').bytes);
    const idempotent = Buffer.from(byName('idempotent-none').bytes);
    setBaseOffset(control, 0, 3);
    setBaseOffset(idempotent, 0, 4); // offsets 4..5
    const all = Buffer.concat([basic, control, idempotent]);
    expect(decodeRecords(all).map((record) => record.offset)).toEqual([0, 1, 2, 4, 5]);
    expect(decodeRecords(all, 2).map((record) => record.offset)).toEqual([2, 4, 5]);
    expect(decodeRecords(all, 5).map((record) => [record.offset, record.key?.toString()])).toEqual([[5, 'b']]);
    expect(decodeRecords(all, 6)).toEqual([]);
  });
});
