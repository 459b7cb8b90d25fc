import { RECORD_BATCH_HEADER_BYTES, batchSizeAt, readBatchHeader } from '@runnel/protocol';

/**
 * Counts the records and finds the next offset of whole batches read from a log, from their
 * headers only (no record decoding). The bytes come from our own log, which validated them on
 * append; a trailing partial batch (never returned by storage) is ignored.
 */
export function batchStats(records: Buffer): { recordCount: number; nextOffset: number } {
  let position = 0;
  let recordCount = 0;
  let nextOffset = -1;
  while (position + RECORD_BATCH_HEADER_BYTES <= records.length) {
    const size = batchSizeAt(records, position);
    if (size < RECORD_BATCH_HEADER_BYTES || position + size > records.length) break;
    const header = readBatchHeader(records, position);
    recordCount += header.recordCount;
    nextOffset = header.baseOffset + header.lastOffsetDelta + 1;
    position += size;
  }
  return { recordCount, nextOffset };
}
