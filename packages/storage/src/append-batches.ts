/**
 * The synchronous half of an append: re-check the framing of batches the broker already
 * validated (sizes and headers only: no CRC, no record decoding) and assign their offsets.
 * Leaders stamp baseOffset, partitionLeaderEpoch (and LogAppendTime) in place, which leaves the
 * CRC valid; followers must bring offsets that continue the log.
 */
import {
  CorruptBatchError, RECORD_BATCH_HEADER_BYTES, RecordTooLargeError, RunnelError, batchSizeAt, readBatchHeader,
  setBaseOffset, setLogAppendTime, setPartitionLeaderEpoch,
} from '@runnel/protocol';
import type { LogConfig } from './log-config.ts';
import type { SegmentBatch } from './log-segment.ts';

/** The log state that offset assignment depends on. */
export interface AssignContext {
  name: string;
  config: LogConfig;
  /** The next offset to hand out. */
  nextOffset: number;
  /** One past the last written offset (below `nextOffset` while appends are being written). */
  logEndOffset: number;
  /** The latest epoch in the leader-epoch cache (-1 if none). */
  latestEpoch: number;
}

/** Batches with their offsets assigned; positions are within the request buffer. */
export interface AssignedAppend {
  batches: SegmentBatch[];
  baseOffset: number;
  lastOffset: number;
  /** Epochs this append starts, to record in the leader-epoch cache. */
  newEpochs: Array<{ epoch: number; startOffset: number }>;
  appendTime: number;
}

/**
 * Frames `buffer` and assigns offsets from `ctx.nextOffset`.
 * @throws CORRUPT_BATCH, RECORD_TOO_LARGE, INVALID_REQUEST, FENCED_LEADER_EPOCH
 */
export function assignOffsets(buffer: Buffer, options: { leaderEpoch: number; assignOffsets: boolean }, ctx: AssignContext): AssignedAppend {
  const { name, config } = ctx;
  if (options.assignOffsets && (!Number.isInteger(options.leaderEpoch) || options.leaderEpoch < 0 || options.leaderEpoch > 0x7fffffff)) {
    throw new RunnelError('INVALID_REQUEST', `Cannot append to ${name}: leader epoch ${options.leaderEpoch} is not a non-negative int32`);
  }
  const framed: Array<{ position: number; size: number; lastOffsetDelta: number; baseOffset: number; epoch: number; maxTimestamp: number }> = [];
  for (let p = 0; p < buffer.length;) {
    const size = batchSizeAt(buffer, p);
    if (size < RECORD_BATCH_HEADER_BYTES || p + size > buffer.length) {
      throw new CorruptBatchError(`Cannot append to ${name}: the batch at byte ${p} of the request has size ${size} but ${buffer.length - p} bytes remain`, { position: p });
    }
    if (size > config.maxBatchBytes) {
      throw new RecordTooLargeError(`Cannot append to ${name}: the batch at byte ${p} is ${size} bytes, over max.message.bytes ${config.maxBatchBytes}`);
    }
    const h = readBatchHeader(buffer, p);
    if (h.lastOffsetDelta < 0) {
      throw new CorruptBatchError(`Cannot append to ${name}: the batch at byte ${p} has a negative lastOffsetDelta ${h.lastOffsetDelta}`, { position: p });
    }
    framed.push({ position: p, size, lastOffsetDelta: h.lastOffsetDelta, baseOffset: h.baseOffset, epoch: h.partitionLeaderEpoch, maxTimestamp: h.maxTimestamp });
    p += size;
  }
  if (framed.length === 0) throw new RunnelError('INVALID_REQUEST', `Cannot append to ${name}: the request holds no batch`);
  const appendTime = Date.now();
  const newEpochs: AssignedAppend['newEpochs'] = [];
  let next = ctx.nextOffset;
  if (options.assignOffsets) {
    if (options.leaderEpoch < ctx.latestEpoch) {
      throw new RunnelError('FENCED_LEADER_EPOCH', `Cannot append to ${name} as leader epoch ${options.leaderEpoch}: the log already holds epoch ${ctx.latestEpoch}`);
    }
    for (const b of framed) {
      setBaseOffset(buffer, b.position, next);
      setPartitionLeaderEpoch(buffer, b.position, options.leaderEpoch);
      if (config.timestampType === 'logAppend') {
        setLogAppendTime(buffer, b.position, appendTime);
        b.maxTimestamp = appendTime;
      }
      b.baseOffset = next;
      next += b.lastOffsetDelta + 1;
    }
    if (options.leaderEpoch > ctx.latestEpoch) newEpochs.push({ epoch: options.leaderEpoch, startOffset: ctx.nextOffset });
  } else {
    // Compaction may leave gaps between batches, so a follower of a compacted log may skip offsets.
    const gapsAllowed = config.cleanupPolicy !== 'delete';
    let latest = ctx.latestEpoch;
    for (const b of framed) {
      if (b.baseOffset < next || (!gapsAllowed && b.baseOffset !== next)) {
        const inFlight = next === ctx.nextOffset && ctx.logEndOffset !== next
          ? ` (the log ends at ${ctx.logEndOffset}; offsets up to ${next - 1} are handed out to appends still being written)`
          : '';
        throw new RunnelError('INVALID_REQUEST', `Cannot append to ${name} as follower: batch base offset ${b.baseOffset} does not continue the log at offset ${next}${inFlight}`);
      }
      if (b.epoch < latest) {
        throw new RunnelError('INVALID_REQUEST', `Cannot append to ${name} as follower: batch at offset ${b.baseOffset} has leader epoch ${b.epoch}, older than the log's latest epoch ${latest}; truncate first`);
      }
      if (b.epoch > latest) {
        newEpochs.push({ epoch: b.epoch, startOffset: b.baseOffset });
        latest = b.epoch;
      }
      next = b.baseOffset + b.lastOffsetDelta + 1;
    }
  }
  return {
    batches: framed.map((b) => ({ position: b.position, size: b.size, baseOffset: b.baseOffset, lastOffset: b.baseOffset + b.lastOffsetDelta, maxTimestamp: b.maxTimestamp })),
    baseOffset: framed[0]!.baseOffset,
    lastOffset: next - 1,
    newEpochs,
    appendTime,
  };
}
