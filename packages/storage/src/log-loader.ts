/**
 * Opening a partition directory: clean up leftovers of interrupted operations, load the segments,
 * trust those wholly below the recovery point (their index files are checked for consistency) and
 * rescan the rest, CRC-checking every batch. A bad tail is truncated and logged; a bad batch with
 * valid data after it is a {@link LogCorruptionError}, never skipped.
 */
import { LogSegment } from './log-segment.ts';
import { findValidBatchAfter } from './batch-scanner.ts';
import { LogCorruptionError } from './errors.ts';
import { recoveryTruncationChannel, type StorageLogger } from './storage-events.ts';
import { isNotFound, type StorageIo } from './storage-io.ts';

/** What {@link loadSegments} needs. */
export interface LoadOptions {
  io: StorageIo;
  dir: string;
  name: string;
  /** Offsets below this were durable, with index files, at the last checkpoint. */
  recoveryPoint: number;
  indexIntervalBytes: number;
  logger: StorageLogger;
}

/** A cut made by recovery. */
export interface RecoveryTruncation {
  segment: string;
  position: number;
  bytes: number;
  reason: string;
}

/** The loaded segments (never empty) and what recovery cut. */
export interface LoadResult {
  segments: LogSegment[];
  truncations: RecoveryTruncation[];
  /** Segments whose batches were rescanned. */
  recoveredSegments: number;
  /**
   * Where each leader epoch newer than the one before it starts among the rescanned batches
   * (Kafka's recovery assigns these to the epoch cache too): the cache checkpoint may have missed
   * them in a crash.
   */
  epochStarts: Array<{ epoch: number; startOffset: number }>;
  /**
   * The directory held no segment, so its first one was created without syncing the directory:
   * the log must make the entry durable before its first data is (PartitionLog does).
   */
  created: boolean;
}

const LOG_FILE = /^(\d{20})\.log$/;
const INDEX_FILE = /^(\d{20})\.(index|timeindex)$/;
const LEFTOVER = /\.(tmp|cleaned|deleted)$/;

async function removeIfPresent(io: StorageIo, path: string): Promise<void> {
  try {
    await io.unlink(path);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Loads and recovers the segments of one partition directory. */
export async function loadSegments(options: LoadOptions): Promise<LoadResult> {
  const { io, dir, name, logger } = options;
  await io.mkdir(dir);
  const files = await io.readdir(dir);
  const bases: number[] = [];
  for (const file of files) {
    // Leftovers of an interrupted atomic write or compaction swap: the real file is intact.
    if (LEFTOVER.test(file)) await removeIfPresent(io, `${dir}/${file}`);
    const m = LOG_FILE.exec(file);
    if (m?.[1] !== undefined) bases.push(Number(m[1]));
  }
  for (const file of files) {
    const m = INDEX_FILE.exec(file);
    if (m?.[1] !== undefined && !bases.includes(Number(m[1]))) await removeIfPresent(io, `${dir}/${file}`);
  }
  bases.sort((a, b) => a - b);
  const segments: LogSegment[] = [];
  for (const base of bases) segments.push(await LogSegment.open(io, dir, base));
  const result: LoadResult = { segments, truncations: [], recoveredSegments: 0, epochStarts: [], created: false };
  try {
    await recover(options, result);
  } catch (err) {
    await Promise.all(segments.map((s) => s.close()));
    throw err;
  }
  if (result.segments.length === 0) {
    // An empty log that a crash loses is created again by the next open: no directory fsync yet.
    result.segments.push(await LogSegment.create(io, dir, 0, { syncDir: false }));
    result.created = true;
  }
  if (result.truncations.length > 0) await io.syncDir(dir);
  for (const t of result.truncations) {
    logger.warn({ log: name, ...t }, `Recovery of ${name} truncated ${t.bytes} bytes of ${t.segment} at position ${t.position}: ${t.reason}`);
    if (recoveryTruncationChannel.hasSubscribers) recoveryTruncationChannel.publish({ log: name, ...t });
  }
  return result;
}

async function recover(options: LoadOptions, result: LoadResult): Promise<void> {
  const { indexIntervalBytes, recoveryPoint } = options;
  const segments = result.segments;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    const isLast = next === undefined;
    const belowRecoveryPoint = isLast ? seg.baseOffset <= recoveryPoint : next.baseOffset <= recoveryPoint;
    if (belowRecoveryPoint && (await seg.loadIndexes()) && (!isLast || seg.nextOffset <= recoveryPoint)) {
      continue;
    }
    result.recoveredSegments++;
    const stop = await seg.rebuild(indexIntervalBytes, true, (header) => {
      if (header.partitionLeaderEpoch > (result.epochStarts.at(-1)?.epoch ?? -1)) {
        result.epochStarts.push({ epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset });
      }
    });
    if (stop !== undefined) {
      const fileSize = (await seg.file.stat()).size;
      const validAfter = await findValidBatchAfter(seg.file, stop.position + 1, fileSize, seg.nextOffset);
      const laterWithData = await firstLaterSegmentWithData(segments, i + 1);
      if (validAfter !== undefined || laterWithData !== undefined) {
        const where = validAfter !== undefined ? `valid batches follow at position ${validAfter}` : `segment ${laterWithData} holds later data`;
        throw new LogCorruptionError(seg.path, stop.position,
          `Cannot open partition log ${options.name}: the batch at position ${stop.position} of segment ${seg.path} is corrupt (${stop.reason}) and ${where}; refusing to skip data. Restore this replica from another one.`);
      }
      result.truncations.push({ segment: seg.path, position: seg.size, bytes: fileSize - seg.size, reason: stop.reason });
      await seg.file.truncate(seg.size);
      await seg.file.datasync();
      // Later segments hold no valid data (checked above): drop them so the log ends here.
      for (const later of segments.splice(i + 1)) {
        const size = (await later.file.stat()).size;
        if (size > 0) result.truncations.push({ segment: later.path, position: 0, bytes: size, reason: 'follows a truncated segment' });
        await later.delete();
      }
    }
    if (next !== undefined && seg.nextOffset > next.baseOffset) {
      throw new LogCorruptionError(seg.path, seg.size,
        `Cannot open partition log ${options.name}: segment ${seg.path} ends at offset ${seg.nextOffset}, past the base offset ${next.baseOffset} of the next segment`);
    }
    // A rescanned closed segment gets fresh index files so the next open can trust it.
    if (i < segments.length - 1) await seg.writeIndexes();
  }
}

async function firstLaterSegmentWithData(segments: readonly LogSegment[], from: number): Promise<string | undefined> {
  for (const seg of segments.slice(from)) {
    const size = (await seg.file.stat()).size;
    if (size === 0) continue;
    if ((await findValidBatchAfter(seg.file, 0, size, seg.baseOffset)) !== undefined) return seg.path;
  }
  return undefined;
}

