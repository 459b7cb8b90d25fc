/**
 * Retention: which of the oldest segments may go. Whole segments only, oldest first, never the
 * active segment, and never one holding offsets at or above the high watermark (a consumer or
 * follower may still need uncommitted data to converge).
 */
import type { LogConfig } from './log-config.ts';

/** The fields of a segment that retention looks at. */
export interface RetentionCandidate {
  readonly size: number;
  readonly nextOffset: number;
  /** -1 when empty. */
  readonly maxTimestamp: number;
}

/**
 * How many of the oldest `segments` to delete: a segment goes when its newest record is older
 * than retention.ms, or while the log without it would still be at least retention.bytes (as
 * Kafka). Stops at the first segment that must stay.
 */
export function selectRetainedPrefix(segments: readonly RetentionCandidate[], config: LogConfig, highWatermark: number, now: number): number {
  let remaining = segments.reduce((sum, s) => sum + s.size, 0);
  let count = 0;
  for (const seg of segments.slice(0, -1)) {
    if (seg.nextOffset > highWatermark) break;
    const expired = config.retentionMs >= 0 && seg.maxTimestamp < now - config.retentionMs;
    const oversize = config.retentionBytes >= 0 && remaining - seg.size >= config.retentionBytes;
    if (!expired && !oversize) break;
    remaining -= seg.size;
    count++;
  }
  return count;
}
