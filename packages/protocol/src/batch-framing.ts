/**
 * Framing checks and in-place stamps for concatenated record batches: what a broker does on the
 * produce hot path without decoding a single record.
 */
import {
  BATCH_LOG_OVERHEAD,
  BatchAttribute,
  BatchField,
  RECORD_BATCH_HEADER_BYTES,
  computeBatchCrc,
  readBatchHeader,
  verifyBatchCrc,
  type RecordBatchHeader,
} from './batch-header.ts';
import { CorruptBatchError, RecordTooLargeError } from './errors.ts';
import { writeInt64FromNumber } from './int64.ts';

/** Options for {@link validateBatches}. */
export interface ValidateBatchesOptions {
  /** Largest allowed batch, header included (Kafka's max.message.bytes). */
  maxBatchBytes: number;
  /**
   * Accept batches that compaction has thinned: recordCount may be below lastOffsetDelta + 1, and
   * zero. Produce requests must leave this off: a producer always writes dense batches.
   * @default false
   */
  allowCompacted?: boolean;
}

/** One batch found by {@link validateBatches}. */
export interface ValidatedBatch {
  /** Byte offset of the batch in the buffer. */
  position: number;
  /** Total bytes of the batch (12 + batchLength). */
  size: number;
  header: RecordBatchHeader;
}

/**
 * Splits concatenated batches, checking framing: lengths, magic, CRC-32C, recordCount against
 * lastOffsetDelta, and the size limit. Decodes no record. An empty buffer gives an empty list.
 *
 * Throws CorruptBatchError (with the batch position) for any framing fault or a trailing partial
 * batch, and RecordTooLargeError for a batch larger than `maxBatchBytes`.
 */
export function validateBatches(buf: Buffer, options: ValidateBatchesOptions): ValidatedBatch[] {
  const batches: ValidatedBatch[] = [];
  let position = 0;
  while (position < buf.length) {
    const remaining = buf.length - position;
    if (remaining < BATCH_LOG_OVERHEAD) {
      throw new CorruptBatchError(
        `Invalid record batch at position ${position}: ${remaining} trailing bytes are not a batch`,
        { position },
      );
    }
    const size = BATCH_LOG_OVERHEAD + buf.readInt32BE(position + BatchField.batchLength);
    if (size < RECORD_BATCH_HEADER_BYTES) {
      throw new CorruptBatchError(
        `Invalid record batch at position ${position}: batch size ${size} is smaller than the ${RECORD_BATCH_HEADER_BYTES}-byte header`,
        { position },
      );
    }
    if (size > options.maxBatchBytes) {
      throw new RecordTooLargeError(
        `Record batch at position ${position} is ${size} bytes, more than the maximum of ${options.maxBatchBytes}`,
      );
    }
    if (size > remaining) {
      throw new CorruptBatchError(
        `Invalid record batch at position ${position}: batch of ${size} bytes is truncated (${remaining} bytes remain)`,
        { position },
      );
    }
    // Magic first (an old-format batch has its CRC elsewhere), then the CRC before any other
    // field is trusted, so a corrupt byte is reported as a CRC mismatch.
    const magic = buf.readInt8(position + BatchField.magic);
    if (magic !== 2) {
      throw new CorruptBatchError(
        `Invalid record batch at position ${position}: magic ${magic} is not supported (only RecordBatch v2, magic 2)`,
        { position },
      );
    }
    verifyBatchCrc(buf, position);
    const header = readBatchHeader(buf, position);
    checkCounts(header, position, options.allowCompacted ?? false);
    batches.push({ position, size, header });
    position += size;
  }
  return batches;
}

function checkCounts(header: RecordBatchHeader, position: number, allowCompacted: boolean): void {
  const { recordCount, lastOffsetDelta } = header;
  if (lastOffsetDelta < 0) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: lastOffsetDelta ${lastOffsetDelta} is negative`,
      { position },
    );
  }
  if (allowCompacted ? recordCount < 0 || recordCount > lastOffsetDelta + 1 : recordCount !== lastOffsetDelta + 1) {
    throw new CorruptBatchError(
      `Invalid record batch at position ${position}: recordCount ${recordCount} does not match ` +
        `lastOffsetDelta ${lastOffsetDelta} (expected ${allowCompacted ? 'at most ' : ''}${lastOffsetDelta + 1})`,
      { position },
    );
  }
}

/** Stamps baseOffset in place. The CRC does not cover it, so the batch stays valid. */
export function setBaseOffset(buf: Buffer, position: number, baseOffset: number): void {
  writeInt64FromNumber(buf, baseOffset, position + BatchField.baseOffset, 'baseOffset');
}

/** Stamps partitionLeaderEpoch in place. The CRC does not cover it, so the batch stays valid. */
export function setPartitionLeaderEpoch(buf: Buffer, position: number, epoch: number): void {
  buf.writeInt32BE(epoch, position + BatchField.partitionLeaderEpoch);
}

/**
 * Marks the batch as LogAppendTime and sets maxTimestamp to `timestamp`, as Kafka brokers do for
 * topics with message.timestamp.type=LogAppendTime; readers then give every record this time.
 * Attributes are covered by the CRC, so it is recomputed. The batch must be wholly in `buf`.
 */
export function setLogAppendTime(buf: Buffer, position: number, timestamp: number): void {
  const size = BATCH_LOG_OVERHEAD + buf.readInt32BE(position + BatchField.batchLength);
  if (size < RECORD_BATCH_HEADER_BYTES || buf.length - position < size) {
    throw new CorruptBatchError(
      `Cannot set log append time on the record batch at position ${position}: it is not wholly in the buffer`,
      { position },
    );
  }
  const attributes = buf.readInt16BE(position + BatchField.attributes);
  buf.writeInt16BE(attributes | BatchAttribute.logAppendTime, position + BatchField.attributes);
  writeInt64FromNumber(buf, timestamp, position + BatchField.maxTimestamp, 'maxTimestamp');
  buf.writeUInt32BE(computeBatchCrc(buf, position, size), position + BatchField.crc);
}
