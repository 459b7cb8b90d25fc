/**
 * The read side of a partition log: locating the batch that holds an offset (sparse index, then
 * a short forward walk), returning whole batches as stored, and time lookups.
 */
import { batchSizeAt, decodeRecordBatch, readBatchHeader } from '@runnel/protocol';
import { scanBatches } from './batch-scanner.ts';
import type { LogSegment, ReadAllocator } from './log-segment.ts';

/** Where a batch sits in a segment. */
export interface BatchLocation {
  position: number;
  size: number;
  baseOffset: number;
  lastOffset: number;
}

const WALK_CHUNK_BYTES = 64 * 1024;

/** The first batch of `segment` whose last offset is >= `offset`, or undefined if none. */
export async function locateBatch(segment: LogSegment, offset: number, end = segment.size): Promise<BatchLocation | undefined> {
  const start = segment.offsetIndex.lookup(Math.max(0, segment.relative(offset)));
  const scan = scanBatches(segment.file, { start, end, verifyCrc: false, minOffset: segment.baseOffset, chunkBytes: WALK_CHUNK_BYTES });
  for await (const batch of scan) {
    const lastOffset = batch.header.baseOffset + batch.header.lastOffsetDelta;
    if (lastOffset >= offset) return { position: batch.position, size: batch.size, baseOffset: batch.header.baseOffset, lastOffset };
  }
  return undefined;
}

/**
 * Reads whole batches of `segment` from `location`: as many as fit in `maxBytes` (at least the
 * first, however large), stopping before any batch whose last offset reaches `maxOffset`.
 * Returns the bytes exactly as stored (a view of one fs read, into a buffer from `allocate` when
 * given; nothing is re-encoded).
 */
export async function readBatchesFrom(segment: LogSegment, location: BatchLocation, maxBytes: number, maxOffset: number, allocate?: ReadAllocator): Promise<Buffer> {
  if (location.lastOffset >= maxOffset) return Buffer.alloc(0);
  const buf = await segment.read(location.position, Math.max(maxBytes, location.size), allocate);
  let end = 0;
  while (end < buf.length) {
    const size = batchSizeAt(buf, end);
    if (size < 0 || end + size > buf.length || (end > 0 && end + size > maxBytes)) break;
    if (end > 0) {
      const header = readBatchHeader(buf, end);
      if (header.baseOffset + header.lastOffsetDelta >= maxOffset) break;
    }
    end += size;
  }
  return buf.subarray(0, end);
}

/** Index of the segment that may hold `offset`: the last one whose base offset is <= it. */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Reads from the segment holding `offset` (or the next one holding a later batch, past a
 * compaction gap): see {@link readBatchesFrom}. Undefined when no batch holds `offset` or later.
 * Each segment is pinned while read, so retention or truncation cannot close it underneath.
 */
export async function readFromSegments(segments: readonly LogSegment[], offset: number, maxBytes: number, maxOffset: number, allocate?: ReadAllocator): Promise<{ records: Buffer; firstOffset: number } | undefined> {
  for (let i = segmentIndexFor(segments, offset); i < segments.length; i++) {
    const seg = segments[i]!;
    const found = await seg.use(async () => {
      const location = await locateBatch(seg, offset);
      return location === undefined ? undefined : { location, records: await readBatchesFrom(seg, location, maxBytes, maxOffset, allocate) };
    });
    if (found === undefined) continue;
    return found.records.length === 0 ? undefined : { records: found.records, firstOffset: found.location.baseOffset };
  }
  return undefined;
}

/** The first record with timestamp >= `timestamp` in `segments` (oldest first), at or above `minOffset`. */
export async function findOffsetForTimestamp(segments: readonly LogSegment[], timestamp: number, minOffset: number): Promise<{ offset: number; timestamp: number } | undefined> {
  for (const seg of segments) {
    const hit = await seg.use(() => findInSegment(seg, timestamp, minOffset));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/**
 * The first record of `segment` with timestamp >= `timestamp`, found through the time index and
 * a walk over batch headers; only the one matching batch is decoded.
 */
async function findInSegment(segment: LogSegment, timestamp: number, minOffset: number): Promise<{ offset: number; timestamp: number } | undefined> {
  if (segment.maxTimestamp < timestamp) return undefined;
  const fromRelative = segment.timeIndex.lookup(timestamp);
  const start = segment.offsetIndex.lookup(fromRelative);
  const end = segment.size;
  for await (const batch of scanBatches(segment.file, { start, end, verifyCrc: false, minOffset: segment.baseOffset })) {
    if (batch.header.maxTimestamp < timestamp || batch.header.baseOffset + batch.header.lastOffsetDelta < minOffset) continue;
    const { records } = decodeRecordBatch(batch.bytes);
    const hit = records.find((r) => r.timestamp >= timestamp && r.offset >= minOffset);
    if (hit !== undefined) return { offset: hit.offset, timestamp: hit.timestamp };
  }
  return undefined;
}
