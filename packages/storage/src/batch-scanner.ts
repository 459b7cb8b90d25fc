/**
 * Sequential scans over the batches of a segment file, reading in large chunks: recovery (every
 * batch, CRC checked), index rebuilds, and the short walks of the read path.
 */
import { CorruptBatchError, RECORD_BATCH_HEADER_BYTES, batchSizeAt, readBatchHeader, verifyBatchCrc, type RecordBatchHeader } from '@runnel/protocol';
import type { StorageFile } from './storage-io.ts';

/** One batch found by a scan. `bytes` is only valid until the scan moves on. */
export interface ScannedBatch {
  position: number;
  size: number;
  header: RecordBatchHeader;
  /** The batch's bytes (a view into the scan's chunk). */
  bytes: Buffer;
}

/** Why a scan stopped before `end`. */
export interface ScanStop {
  position: number;
  reason: string;
}

/** Options of {@link scanBatches}. */
export interface ScanOptions {
  /** First byte to scan. */
  start: number;
  /** Scan up to here (exclusive): the segment's size. */
  end: number;
  /** Verify each batch's CRC-32C. */
  verifyCrc: boolean;
  /** Batches starting below this offset, or going backwards, are treated as corrupt. */
  minOffset: number;
  /** Chunk size of the reads. @default 1 MiB */
  chunkBytes?: number;
  /**
   * Largest batch to believe; a larger size field is treated as corruption. Not the topic's
   * max.message.bytes: that may have been lowered after larger batches were written.
   * @default Infinity (bounded by the file size)
   */
  maxBatchBytes?: number;
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file). */
export async function readAt(file: StorageFile, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const buf = into ?? Buffer.allocUnsafe(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await file.read(buf, read, length - read, position + read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return buf.subarray(0, read);
}

/**
 * Checks the batch at `pos` of `chunk` (whose byte 0 is file position `chunkStart`). Returns its
 * header, 'need-more' if the chunk holds too little of it, or a reason string when corrupt.
 */
function inspect(chunk: Buffer, pos: number, chunkStart: number, options: ScanOptions, expectedOffset: number): RecordBatchHeader | 'need-more' | string {
  const filePos = chunkStart + pos;
  const size = batchSizeAt(chunk, pos);
  const remainingInFile = options.end - filePos;
  if (remainingInFile < RECORD_BATCH_HEADER_BYTES) return `only ${remainingInFile} bytes remain, less than a batch header`;
  if (size < 0 || chunk.length - pos < RECORD_BATCH_HEADER_BYTES) return 'need-more';
  if (size < RECORD_BATCH_HEADER_BYTES || size > (options.maxBatchBytes ?? Infinity)) return `batch size ${size} is not plausible`;
  if (size > remainingInFile) return `batch of ${size} bytes is torn: only ${remainingInFile} bytes remain in the file`;
  let header: RecordBatchHeader;
  try {
    header = readBatchHeader(chunk, pos);
  } catch (err) {
    if (err instanceof CorruptBatchError) return err.message;
    throw err;
  }
  if (header.baseOffset < expectedOffset) return `base offset ${header.baseOffset} is below the expected ${expectedOffset}`;
  if (header.lastOffsetDelta < 0) return `lastOffsetDelta ${header.lastOffsetDelta} is negative`;
  if (chunk.length - pos < size) return 'need-more';
  if (options.verifyCrc) {
    try {
      verifyBatchCrc(chunk.subarray(pos, pos + size));
    } catch (err) {
      if (err instanceof CorruptBatchError) return err.message;
      throw err;
    }
  }
  return header;
}

/**
 * Yields the batches from `start` to `end`, in order. Returns (as the generator's return value)
 * where and why it stopped early, or undefined when it reached `end` cleanly.
 */
export async function* scanBatches(file: StorageFile, options: ScanOptions): AsyncGenerator<ScannedBatch, ScanStop | undefined> {
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  let chunkStart = options.start;
  let chunk: Buffer = Buffer.alloc(0);
  let pos = 0;
  let expected = options.minOffset;
  while (chunkStart + pos < options.end) {
    const result = inspect(chunk, pos, chunkStart, options, expected);
    if (result === 'need-more') {
      // Re-read from this batch. The first read takes a chunk; if the batch is larger than the
      // chunk, its header (now in hand) gives the size to read it whole on the second pass.
      const filePos = chunkStart + pos;
      let want = Math.min(options.end - filePos, Math.max(chunkBytes, batchSizeAt(chunk, pos)));
      for (;;) {
        chunk = await readAt(file, filePos, want);
        chunkStart = filePos;
        pos = 0;
        if (chunk.length < Math.min(want, RECORD_BATCH_HEADER_BYTES)) return { position: filePos, reason: 'the file ended early' };
        const again = inspect(chunk, 0, chunkStart, options, expected);
        if (typeof again !== 'string') break;
        if (again !== 'need-more') return { position: filePos, reason: again };
        const needed = Math.min(options.end - filePos, batchSizeAt(chunk, 0));
        if (needed <= chunk.length) return { position: filePos, reason: 'the file ended inside the batch' };
        want = needed;
      }
      continue;
    }
    if (typeof result === 'string') return { position: chunkStart + pos, reason: result };
    const size = result.batchLength + 12;
    yield { position: chunkStart + pos, size, header: result, bytes: chunk.subarray(pos, pos + size) };
    expected = result.baseOffset + result.lastOffsetDelta + 1;
    pos += size;
  }
  return undefined;
}

/**
 * Whether a valid batch (CRC verified, base offset >= `minOffset`) starts anywhere in
 * [`from`, `end`) of the file. Recovery uses it to tell a torn tail (nothing valid after the bad
 * bytes: truncate) from corruption in the middle (valid data follows: refuse to open).
 */
export async function findValidBatchAfter(file: StorageFile, from: number, end: number, minOffset: number, maxBatchBytes = Infinity): Promise<number | undefined> {
  const window = 4 * 1024 * 1024;
  for (let start = from; start + RECORD_BATCH_HEADER_BYTES <= end; start += window) {
    const chunk = await readAt(file, start, Math.min(window + RECORD_BATCH_HEADER_BYTES, end - start));
    const last = Math.min(window, chunk.length - RECORD_BATCH_HEADER_BYTES + 1);
    for (let p = 0; p < last; p++) {
      if (chunk[p + 16] !== 2) continue;
      const size = batchSizeAt(chunk, p);
      if (size < RECORD_BATCH_HEADER_BYTES || size > maxBatchBytes || start + p + size > end) continue;
      const base = chunk.readBigInt64BE(p);
      if (base < BigInt(minOffset) || base > BigInt(Number.MAX_SAFE_INTEGER)) continue;
      const bytes = p + size <= chunk.length ? chunk.subarray(p, p + size) : await readAt(file, start + p, size);
      try {
        verifyBatchCrc(bytes);
        return start + p;
      } catch (err) {
        if (!(err instanceof CorruptBatchError)) throw err;
      }
    }
  }
  return undefined;
}
