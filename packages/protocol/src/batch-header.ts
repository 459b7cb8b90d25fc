/**
 * The fixed 61-byte header of a Kafka RecordBatch v2 (magic 2), and its CRC.
 *
 * Grammar (big-endian), with byte offsets:
 *
 *   0  baseOffset           int64
 *   8  batchLength          int32   bytes after this field: total size = 12 + batchLength
 *  12  partitionLeaderEpoch int32   not covered by the CRC (the leader stamps it)
 *  16  magic                int8    = 2
 *  17  crc                  uint32  CRC-32C of bytes 21 .. end of batch
 *  21  attributes           int16   bits 0-2 compression, 3 timestampType, 4 transactional,
 *                                   5 control, 6 delete horizon set (compaction)
 *  23  lastOffsetDelta      int32
 *  27  baseTimestamp        int64
 *  35  maxTimestamp         int64
 *  43  producerId           int64   -1 when not idempotent
 *  51  producerEpoch        int16
 *  53  baseSequence         int32
 *  57  recordCount          int32
 *  61  records              (compressed as a whole when compression != none)
 */
import { crc32c } from './crc32c.ts';
import { CorruptBatchError } from './errors.ts';
import { readInt64AsNumber } from './int64.ts';

/** Compression codec ids, as stored in attribute bits 0-2. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

/** A compression codec name. */
export type CompressionCodec = keyof typeof Compression;

const codecById: readonly CompressionCodec[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Size of the fixed batch header; records start here. */
export const RECORD_BATCH_HEADER_BYTES = 61;

/** Bytes before `batchLength` ends: a batch occupies 12 + batchLength bytes. */
export const BATCH_LOG_OVERHEAD = 12;

/** Byte offsets of the header fields, relative to the start of the batch. */
export const BatchField = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordCount: 57,
} as const;

/** Attribute bits. */
export const BatchAttribute = {
  compressionMask: 0x07,
  logAppendTime: 0x08,
  transactional: 0x10,
  control: 0x20,
  deleteHorizon: 0x40,
} as const;

/** The parsed fixed header of a record batch. */
export interface RecordBatchHeader {
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  compression: CompressionCodec;
  isTransactional: boolean;
  isControl: boolean;
  timestampType: 'create' | 'logAppend';
}

/** Total bytes of the batch starting at `position` (12 + batchLength), or -1 if fewer than 12 bytes remain. */
export function batchSizeAt(buf: Buffer, position: number): number {
  if (position < 0 || buf.length - position < BATCH_LOG_OVERHEAD) return -1;
  return BATCH_LOG_OVERHEAD + buf.readInt32BE(position + BatchField.batchLength);
}

/**
 * Parses the fixed header of the batch at `position`. Needs only the 61 header bytes, so it works
 * on a header read alone from disk. Throws CorruptBatchError, naming the position and what is
 * wrong, on short input, magic != 2, a batchLength too small to hold the header, an unknown
 * compression id or an int64 outside the safe range.
 */
export function readBatchHeader(buf: Buffer, position = 0): RecordBatchHeader {
  if (position < 0 || buf.length - position < RECORD_BATCH_HEADER_BYTES) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: need ${RECORD_BATCH_HEADER_BYTES} header bytes, ` +
        `only ${Math.max(0, buf.length - position)} remain`,
      { position },
    );
  }
  const magic = buf.readInt8(position + BatchField.magic);
  if (magic !== 2) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: magic ${magic} is not supported (only RecordBatch v2, magic 2)`,
      { position },
    );
  }
  const batchLength = buf.readInt32BE(position + BatchField.batchLength);
  if (batchLength < RECORD_BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: batchLength ${batchLength} is smaller than the ` +
        `${RECORD_BATCH_HEADER_BYTES - BATCH_LOG_OVERHEAD}-byte minimum`,
      { position },
    );
  }
  const attributes = buf.readInt16BE(position + BatchField.attributes);
  const compression = codecById[attributes & BatchAttribute.compressionMask];
  if (compression === undefined) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: unknown compression id ${attributes & BatchAttribute.compressionMask}`,
      { position },
    );
  }
  return {
    baseOffset: readInt64AsNumber(buf, position + BatchField.baseOffset, 'baseOffset', position),
    batchLength,
    partitionLeaderEpoch: buf.readInt32BE(position + BatchField.partitionLeaderEpoch),
    magic,
    crc: buf.readUInt32BE(position + BatchField.crc),
    attributes,
    lastOffsetDelta: buf.readInt32BE(position + BatchField.lastOffsetDelta),
    baseTimestamp: readInt64AsNumber(buf, position + BatchField.baseTimestamp, 'baseTimestamp', position),
    maxTimestamp: readInt64AsNumber(buf, position + BatchField.maxTimestamp, 'maxTimestamp', position),
    producerId: readInt64AsNumber(buf, position + BatchField.producerId, 'producerId', position),
    producerEpoch: buf.readInt16BE(position + BatchField.producerEpoch),
    baseSequence: buf.readInt32BE(position + BatchField.baseSequence),
    recordCount: buf.readInt32BE(position + BatchField.recordCount),
    compression,
    isTransactional: (attributes & BatchAttribute.transactional) !== 0,
    isControl: (attributes & BatchAttribute.control) !== 0,
    timestampType: (attributes & BatchAttribute.logAppendTime) !== 0 ? 'logAppend' : 'create',
  };
}

/** Computes the CRC-32C a batch should carry: attributes (byte 21) to the end of the batch. */
export function computeBatchCrc(buf: Buffer, position: number, size: number): number {
  return crc32c(buf.subarray(position + BatchField.attributes, position + size));
}

/**
 * Verifies the CRC-32C of the whole batch at `position`. Throws CorruptBatchError naming the
 * expected and actual CRC, or the truncation when the batch is not wholly inside `buf`.
 */
export function verifyBatchCrc(buf: Buffer, position = 0): void {
  const size = batchSizeAt(buf, position);
  if (size < RECORD_BATCH_HEADER_BYTES || buf.length - position < size) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: ` +
        (size < 0
          ? 'fewer than 12 bytes remain'
          : size < RECORD_BATCH_HEADER_BYTES
            ? `batch size ${size} is smaller than the header`
            : `batch of ${size} bytes is truncated (${buf.length - position} bytes remain)`),
      { position },
    );
  }
  const expected = buf.readUInt32BE(position + BatchField.crc);
  const actual = computeBatchCrc(buf, position, size);
  if (expected !== actual) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: CRC mismatch (expected 0x${hex32(expected)}, got 0x${hex32(actual)})`,
      { position },
    );
  }
}

function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
