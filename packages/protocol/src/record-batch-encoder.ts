/**
 * Encodes producer records as one Kafka RecordBatch v2.
 *
 * Record grammar (all varints zigzag, see varint.ts):
 *
 *   Record => length:varint attributes:int8 timestampDelta:varlong offsetDelta:varint
 *             keyLength:varint key:bytes valueLength:varint value:bytes
 *             headerCount:varint [headerKeyLength:varint headerKey:utf8 headerValueLength:varint headerValue:bytes]
 *
 * A null key, value or header value is length -1. baseTimestamp is the first record's timestamp
 * (deltas may be negative), as Kafka's MemoryRecordsBuilder does.
 *
 * Performance: sizes are computed in a first pass, then every record is written into one buffer
 * allocated once (uncompressed: the batch itself; compressed: the records section, compressed in
 * one call). No per-record allocation besides the size table.
 */
import {
  BATCH_LOG_OVERHEAD,
  BatchAttribute,
  BatchField,
  Compression,
  RECORD_BATCH_HEADER_BYTES,
  computeBatchCrc,
} from './batch-header.ts';
import { compressRecords } from './compression.ts';
import { RunnelError } from './errors.ts';
import { writeInt64FromNumber } from './int64.ts';
import type { EncodeBatchOptions, ProducerRecord } from './record-types.ts';
import { unsignedVarintSize, varintSize, writeVarint, zigzag } from './varint.ts';

const MAX_BATCH_BYTES = 0x7fffffff;
/** Timestamp deltas whose zigzag form stays a safe integer, so decoders read them exactly. */
const MAX_TIMESTAMP_DELTA = 2 ** 52 - 1;
const MIN_TIMESTAMP_DELTA = -(2 ** 52);

function invalid(index: number, what: string): RunnelError {
  return new RunnelError('INVALID_RECORD', `Cannot encode record ${index}: ${what}`);
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/**
 * Encodes `records` as one RecordBatch v2 with a valid CRC-32C. Offsets are relative (the leader
 * assigns the real baseOffset); timestamps default to `options.now`.
 *
 * Throws RunnelError INVALID_RECORD for an empty list, a key/value/header that is not a Buffer,
 * null or (header key) a string, or a timestamp that is not a safe integer; UNSUPPORTED_COMPRESSION
 * for a codec this build lacks.
 */
export function encodeRecordBatch(records: readonly ProducerRecord[], options: EncodeBatchOptions = {}): Buffer {
  if (records.length === 0) throw new RunnelError('INVALID_RECORD', 'Cannot encode an empty record batch');
  return encodeBatch(records, options, undefined);
}

/**
 * How a rewritten (compacted) batch differs from a fresh one: records keep their offset deltas,
 * the batch keeps its lastOffsetDelta, and attributes may carry extra bits (timestamp type).
 */
export interface BatchLayout {
  /** Offset delta of each record, ascending, each <= lastOffsetDelta. */
  offsetDeltas: ArrayLike<number>;
  lastOffsetDelta: number;
  extraAttributes: number;
}

/** The encoder proper; `layout` undefined means dense offsets 0..n-1. Needs at least one record. */
export function encodeBatch(records: readonly ProducerRecord[], options: EncodeBatchOptions, layout: BatchLayout | undefined): Buffer {
  const count = records.length;
  const compression = options.compression ?? 'none';
  const codecId = Compression[compression] as number | undefined;
  if (codecId === undefined) {
    throw new RunnelError('UNSUPPORTED_COMPRESSION', `Cannot encode a record batch: unknown compression ${String(compression)}`);
  }
  const now = options.now ?? Date.now();

  // Pass 1: timestamps and sizes.
  const first = records[0]!;
  const baseTimestamp = first.timestamp ?? now;
  let maxTimestamp = baseTimestamp;
  const bodySizes = new Int32Array(count);
  let recordsBytes = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const timestamp = record.timestamp ?? now;
    if (!Number.isSafeInteger(timestamp)) throw invalid(i, `timestamp ${timestamp} is not a safe integer`);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const delta = timestamp - baseTimestamp;
    if (delta > MAX_TIMESTAMP_DELTA || delta < MIN_TIMESTAMP_DELTA) {
      throw invalid(i, `timestamp ${timestamp} is too far (more than 2^52 ms) from the first record's ${baseTimestamp}`);
    }
    const { key, value, headers } = record;
    let body = 1 + varintSize(delta) + varintSize(layout === undefined ? i : layout.offsetDeltas[i]!);
    if (key === null) body += 1;
    else if (isBytes(key)) body += varintSize(key.length) + key.length;
    else throw invalid(i, 'key must be a Buffer or null');
    if (value === null) body += 1;
    else if (isBytes(value)) body += varintSize(value.length) + value.length;
    else throw invalid(i, 'value must be a Buffer or null');
    if (headers === undefined || headers.length === 0) {
      body += 1;
    } else {
      body += varintSize(headers.length);
      for (const header of headers) {
        if (typeof header.key !== 'string') throw invalid(i, 'header key must be a string');
        const keyBytes = Buffer.byteLength(header.key, 'utf8');
        body += varintSize(keyBytes) + keyBytes;
        if (header.value === null) body += 1;
        else if (isBytes(header.value)) body += varintSize(header.value.length) + header.value.length;
        else throw invalid(i, `header ${JSON.stringify(header.key)} value must be a Buffer or null`);
      }
    }
    bodySizes[i] = body;
    recordsBytes += unsignedVarintSize(zigzag(body)) + body;
  }
  if (recordsBytes > MAX_BATCH_BYTES - RECORD_BATCH_HEADER_BYTES) {
    throw new RunnelError('RECORD_TOO_LARGE', `Cannot encode a record batch of ${recordsBytes} bytes: over the 2 GiB format limit`);
  }

  // Pass 2: records, straight into the batch when uncompressed.
  let batch: Buffer;
  if (codecId === Compression.none) {
    batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + recordsBytes);
    writeRecords(batch, RECORD_BATCH_HEADER_BYTES, records, bodySizes, baseTimestamp, now, layout);
  } else {
    const raw = Buffer.allocUnsafe(recordsBytes);
    writeRecords(raw, 0, records, bodySizes, baseTimestamp, now, layout);
    const compressed = compressRecords(compression, raw);
    batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + compressed.length);
    compressed.copy(batch, RECORD_BATCH_HEADER_BYTES);
  }

  const attributes = codecId | (layout?.extraAttributes ?? 0);
  writeBatchHeader(batch, options, attributes, count, layout?.lastOffsetDelta ?? count - 1, baseTimestamp, maxTimestamp);
  return batch;
}

function writeRecords(
  buf: Buffer,
  start: number,
  records: readonly ProducerRecord[],
  bodySizes: Int32Array,
  baseTimestamp: number,
  now: number,
  layout: BatchLayout | undefined,
): void {
  let p = start;
  for (let i = 0; i < records.length; i++) {
    const { key, value, headers, timestamp } = records[i]!;
    p = writeVarint(buf, bodySizes[i]!, p);
    buf[p++] = 0; // record attributes: unused
    p = writeVarint(buf, (timestamp ?? now) - baseTimestamp, p);
    p = writeVarint(buf, layout === undefined ? i : layout.offsetDeltas[i]!, p);
    p = writeBytes(buf, key, p);
    p = writeBytes(buf, value, p);
    if (headers === undefined) {
      buf[p++] = 0;
      continue;
    }
    p = writeVarint(buf, headers.length, p);
    for (const header of headers) {
      const keyBytes = Buffer.byteLength(header.key, 'utf8');
      p = writeVarint(buf, keyBytes, p);
      p += buf.write(header.key, p, keyBytes, 'utf8');
      p = writeBytes(buf, header.value, p);
    }
  }
}

function writeBytes(buf: Buffer, bytes: Uint8Array | null, position: number): number {
  if (bytes === null) {
    buf[position] = 1; // zigzag(-1)
    return position + 1;
  }
  const p = writeVarint(buf, bytes.length, position);
  buf.set(bytes, p);
  return p + bytes.length;
}

/** Writes the 61-byte header for the batch that fills `batch`, CRC last. `baseAttributes` holds the codec id and any extra bits. */
export function writeBatchHeader(
  batch: Buffer,
  options: EncodeBatchOptions,
  baseAttributes: number,
  count: number,
  lastOffsetDelta: number,
  baseTimestamp: number,
  maxTimestamp: number,
): void {
  writeInt64FromNumber(batch, options.baseOffset ?? 0, BatchField.baseOffset, 'baseOffset');
  batch.writeInt32BE(batch.length - BATCH_LOG_OVERHEAD, BatchField.batchLength);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? -1, BatchField.partitionLeaderEpoch);
  batch.writeInt8(2, BatchField.magic);
  const attributes = baseAttributes | (options.isTransactional === true ? BatchAttribute.transactional : 0);
  batch.writeInt16BE(attributes, BatchField.attributes);
  batch.writeInt32BE(lastOffsetDelta, BatchField.lastOffsetDelta);
  writeInt64FromNumber(batch, baseTimestamp, BatchField.baseTimestamp, 'baseTimestamp');
  writeInt64FromNumber(batch, maxTimestamp, BatchField.maxTimestamp, 'maxTimestamp');
  writeInt64FromNumber(batch, options.producerId ?? -1, BatchField.producerId, 'producerId');
  batch.writeInt16BE(options.producerEpoch ?? -1, BatchField.producerEpoch);
  batch.writeInt32BE(options.baseSequence ?? -1, BatchField.baseSequence);
  batch.writeInt32BE(count, BatchField.recordCount);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), BatchField.crc);
}
