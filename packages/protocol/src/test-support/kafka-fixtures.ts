/**
 * Loads the golden fixtures written by Apache Kafka's client library
 * (packages/protocol/fixtures, made by fixtures/generator; see the package README).
 */
import { readFileSync } from 'node:fs';
import type { CompressionCodec, RecordBatchHeader } from '../batch-header.ts';
import { decodeRecordBatch } from '../record-batch-decoder.ts';
import type { EncodeBatchOptions, ProducerRecord } from '../record-types.ts';

interface FixtureRecordJson {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<{ key: string; value: string | null }>;
}

/** One fixture as fixtures.json describes it (bytes as hex in the JSON, Buffers here). */
export interface KafkaFixture {
  name: string;
  /** `large`: a data batch whose records fixtures.json does not spell out (too big); decode the bytes. */
  kind: 'records' | 'logAppendTime' | 'control' | 'compacted' | 'large';
  compression: CompressionCodec;
  options: Required<Omit<EncodeBatchOptions, 'compression' | 'now'>>;
  logAppendTime?: number;
  header: Omit<RecordBatchHeader, 'batchLength' | 'magic' | 'attributes'>;
  records: Array<{
    offset: number;
    timestamp: number;
    key: Buffer | null;
    value: Buffer | null;
    headers: Array<{ key: string; value: Buffer | null }>;
  }>;
  /** The batch exactly as Kafka wrote it. */
  bytes: Buffer;
  /** For `compacted`: the batch before Kafka's log cleaner filtered it. */
  source?: Buffer;
}

const FIXTURES_DIR = new URL('../../fixtures/', import.meta.url);

function hexOrNull(hex: string | null): Buffer | null {
  return hex === null ? null : Buffer.from(hex, 'hex');
}

/** Every fixture, with its bytes. */
export function loadKafkaFixtures(): KafkaFixture[] {
  const json = JSON.parse(readFileSync(new URL('fixtures.json', FIXTURES_DIR), 'utf8')) as {
    fixtures: Array<
      Omit<KafkaFixture, 'bytes' | 'records' | 'source'> & { file: string; sourceFile?: string; records: FixtureRecordJson[] }
    >;
  };
  return json.fixtures.map(({ file, sourceFile, records, ...rest }) => ({
    ...rest,
    ...(sourceFile === undefined ? {} : { source: readFileSync(new URL(sourceFile, FIXTURES_DIR)) }),
    records: records.map((record) => ({
      offset: record.offset,
      timestamp: record.timestamp,
      key: hexOrNull(record.key),
      value: hexOrNull(record.value),
      headers: record.headers.map((header) => ({ key: header.key, value: hexOrNull(header.value) })),
    })),
    bytes: readFileSync(new URL(file, FIXTURES_DIR)),
  }));
}

/**
 * The fixture's records as a producer would hand them to the encoder: from fixtures.json, or for
 * `large` fixtures from decoding Kafka's bytes (decoding is proven on the spelled-out fixtures).
 */
export function producerRecordsOf(fixture: KafkaFixture): ProducerRecord[] {
  const records = fixture.kind === 'large' ? decodeRecordBatch(fixture.bytes).records : fixture.records;
  return records.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp }));
}
