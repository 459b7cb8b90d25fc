/**
 * Rewrites a batch with only some of its records, as log compaction does, keeping what Kafka keeps:
 * the base offset and every surviving record's offset (so offsets keep their holes), the batch's
 * lastOffsetDelta (so the producer's sequence bookkeeping still lines up), the producer fields,
 * partition leader epoch, compression, transactional flag and timestamp type.
 *
 * When nothing survives, the result is an empty batch (recordCount 0, header only), which Kafka
 * also writes to keep a producer's last sequence after compaction. Readers skip it.
 *
 * The output is byte-identical to Kafka's log cleaner (MemoryRecords.filterTo) for uncompressed
 * batches without tombstones (golden fixtures compacted-*). Kafka also sets a delete horizon
 * (attribute bit 6, baseTimestamp = horizon) on batches that hold tombstones; Runnel does not.
 */
import { BatchAttribute, RECORD_BATCH_HEADER_BYTES, type RecordBatchHeader } from './batch-header.ts';
import { RunnelError } from './errors.ts';
import { encodeBatch, writeBatchHeader } from './record-batch-encoder.ts';
import type { ConsumedRecord, EncodeBatchOptions } from './record-types.ts';

/**
 * A batch holding `kept` (records of the batch whose header is `source`, in offset order).
 * Validate the result with `validateBatches(buf, { maxBatchBytes, allowCompacted: true })`.
 *
 * Throws RunnelError INVALID_RECORD for a control batch (keep those as they are) or for offsets
 * that are not ascending inside the source batch's offset range.
 */
export function encodeCompactedBatch(source: RecordBatchHeader, kept: readonly ConsumedRecord[]): Buffer {
  if (source.isControl) {
    throw new RunnelError('INVALID_RECORD', `Cannot compact the control batch at offset ${source.baseOffset}: keep it as it is`);
  }
  const offsetDeltas = new Int32Array(kept.length);
  let previous = -1;
  for (let i = 0; i < kept.length; i++) {
    const delta = kept[i]!.offset - source.baseOffset;
    if (!Number.isInteger(delta) || delta <= previous || delta > source.lastOffsetDelta) {
      throw new RunnelError(
        'INVALID_RECORD',
        `Cannot compact the batch at offset ${source.baseOffset}: record offset ${kept[i]!.offset} is not ascending ` +
          `within ${source.baseOffset}..${source.baseOffset + source.lastOffsetDelta}`,
      );
    }
    offsetDeltas[i] = delta;
    previous = delta;
  }
  const logAppend = source.timestampType === 'logAppend';
  const options: EncodeBatchOptions = {
    compression: source.compression,
    baseOffset: source.baseOffset,
    partitionLeaderEpoch: source.partitionLeaderEpoch,
    producerId: source.producerId,
    producerEpoch: source.producerEpoch,
    baseSequence: source.baseSequence,
    isTransactional: source.isTransactional,
  };
  const extraAttributes = logAppend ? BatchAttribute.logAppendTime : 0;
  if (kept.length === 0) {
    // Kafka's empty batch (DefaultRecordBatch.writeEmptyHeader): no records section, uncompressed,
    // no base timestamp (-1), the source's max timestamp.
    const empty = Buffer.alloc(RECORD_BATCH_HEADER_BYTES);
    writeBatchHeader(empty, options, extraAttributes, 0, source.lastOffsetDelta, -1, source.maxTimestamp);
    return empty;
  }
  const batch = encodeBatch(
    kept.map(({ key, value, headers, timestamp }) => ({ key, value, headers, timestamp })),
    options,
    { offsetDeltas, lastOffsetDelta: source.lastOffsetDelta, extraAttributes },
  );
  return batch;
}
