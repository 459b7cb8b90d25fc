/**
 * The single writer of a partition log. Appends are queued with their offsets already assigned;
 * the writer takes everything queued, rolls segments where needed, and writes each run of appends
 * that goes to one segment with one writev, then books the batches (indexes, log end).
 *
 * On a failed write the partial bytes are truncated away and every append not yet written is
 * rejected (they hold offsets after the failed one), and offset assignment rewinds to the log end,
 * so offsets stay dense. ENOSPC/EDQUOT/EFBIG give DISK_FULL and the log stays usable; any other
 * failure is fatal for the log.
 */
import { RunnelError } from '@runnel/protocol';
import type { LogSegment, SegmentBatch } from './log-segment.ts';
import type { SerialLane } from './serial-lane.ts';
import { isDiskFullError, writeFully } from './storage-io.ts';
import type { LogConfig } from './log-config.ts';

/** An append waiting to be written. */
export interface PendingAppend {
  buffer: Buffer;
  batches: SegmentBatch[];
  baseOffset: number;
  lastOffset: number;
  written: PromiseWithResolvers<void>;
  /**
   * The leader-epoch checkpoint write this append starts an epoch with (or finishes, for an epoch
   * elected at the log end). The writer writes no byte of the append before it resolves: a record
   * on disk whose epoch the cache lacks survives a crash as a log the leader cannot see diverge.
   */
  epochWritten?: Promise<void> | undefined;
}

/** What the writer needs from its log. */
export interface AppendQueueHost {
  readonly name: string;
  /** The current configuration (it may change between writes). */
  config(): LogConfig;
  readonly lane: SerialLane;
  activeSegment(): LogSegment;
  /** Seals the active segment and starts one at `baseOffset`. */
  roll(baseOffset: number): Promise<void>;
  /** Marks the log failed; returns the error appends get from now on. */
  fail(what: string, cause: unknown): RunnelError;
  /** The bytes up to `logEndOffset` are written. */
  advanceLogEnd(logEndOffset: number): void;
  /** Called with each run of appends once written, before the log end moves past them. */
  written?(run: readonly PendingAppend[]): void;
  /** Unwritten appends were rejected: hand out offsets from the log end again. */
  rewind(): void;
  /** After a failed write: drop epochs that start past the log end. */
  truncateEpochs(): Promise<void>;
}

const MAX_RELATIVE_OFFSET = 2 ** 31 - 1;

/** The queue and single writer of one partition log. */
export class AppendQueue {
  readonly #host: AppendQueueHost;
  #queue: PendingAppend[] = [];
  #draining = false;

  constructor(host: AppendQueueHost) {
    this.#host = host;
  }

  /** Whether appends are queued or being written. */
  get busy(): boolean {
    return this.#draining || this.#queue.length > 0;
  }

  /** Queues an append (its offsets already assigned) and starts the writer. */
  push(entry: PendingAppend): void {
    this.#queue.push(entry);
    this.#drain();
  }

  /** Rejects every queued append with `error` and rewinds offset assignment. */
  rejectQueued(error: unknown): void {
    this.#rejectFrom([], 0, error);
  }

  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#host.lane.run(async () => {
      while (this.#queue.length > 0) await this.#writeGroup(this.#queue.splice(0));
    }).catch((err: unknown) => this.rejectQueued(this.#host.fail('the writer failed', err))).finally(() => {
      this.#draining = false;
      if (this.#queue.length > 0) this.#drain();
    }).catch(() => undefined);
  }

  #shouldRoll(extraBytes: number, entry: PendingAppend, now: number): boolean {
    const seg = this.#host.activeSegment();
    const size = seg.size + extraBytes;
    if (size === 0) return false;
    return size + entry.buffer.length > this.#host.config().segmentBytes
      || entry.lastOffset - seg.baseOffset > MAX_RELATIVE_OFFSET
      || (extraBytes === 0 && seg.firstAppendAt !== undefined && now - seg.firstAppendAt >= this.#host.config().segmentMs);
  }

  async #writeGroup(group: PendingAppend[]): Promise<void> {
    let i = 0;
    while (i < group.length) {
      const pendingEpoch = group[i]!.epochWritten;
      if (pendingEpoch !== undefined) {
        try {
          await pendingEpoch;
        } catch (err) {
          this.#rejectFrom(group, i, this.#host.fail('the leader-epoch checkpoint could not be written', err));
          return;
        }
      }
      const now = Date.now();
      try {
        if (this.#shouldRoll(0, group[i]!, now)) await this.#host.roll(group[i]!.baseOffset);
      } catch (err) {
        // A full disk while sealing or creating a segment leaves the log as it was (the index
        // files are derived data; the recovery point only moves after both succeed).
        const error = isDiskFullError(err)
          ? new RunnelError('DISK_FULL', `Cannot append offsets ${group[i]!.baseOffset}.. to ${this.#host.name}: the disk is full (${(err as NodeJS.ErrnoException).code}) while starting a new segment`, { cause: err })
          : this.#host.fail(`rolling a new segment at offset ${group[i]!.baseOffset} failed`, err);
        this.#rejectFrom(group, i, error);
        await this.#host.truncateEpochs();
        return;
      }
      const run: PendingAppend[] = [group[i]!];
      let bytes = group[i]!.buffer.length;
      // A run stops before an append that waits for its epoch entry (awaited above, as its run starts).
      while (i + run.length < group.length && group[i + run.length]!.epochWritten === undefined && !this.#shouldRoll(bytes, group[i + run.length]!, now)) {
        bytes += group[i + run.length]!.buffer.length;
        run.push(group[i + run.length]!);
      }
      const error = await this.#writeRun(run, now);
      if (error !== undefined) {
        this.#rejectFrom(group, i, error);
        await this.#host.truncateEpochs();
        return;
      }
      i += run.length;
    }
  }

  /** Rejects group[from..] and everything queued, and rewinds offset assignment to the log end. */
  #rejectFrom(group: PendingAppend[], from: number, error: unknown): void {
    const failed = [...group.slice(from), ...this.#queue.splice(0)];
    this.#host.rewind();
    for (const e of failed) e.written.reject(error);
  }

  /** Writes `run` with one writev; returns the error to fail it with, or undefined on success. */
  async #writeRun(run: PendingAppend[], now: number): Promise<RunnelError | undefined> {
    const seg = this.#host.activeSegment();
    const start = seg.size;
    try {
      await writeFully(seg.file, run.map((e) => e.buffer), start);
    } catch (err) {
      const partial = (err as { bytesWritten?: number }).bytesWritten ?? 0;
      try {
        await seg.file.truncate(start);
      } catch (truncateErr) {
        return this.#host.fail(`a failed write left ${partial} bytes at position ${start} of ${seg.path} that could not be truncated`, truncateErr);
      }
      if (isDiskFullError(err)) {
        return new RunnelError('DISK_FULL', `Cannot append offsets ${run[0]!.baseOffset}..${run.at(-1)!.lastOffset} to ${this.#host.name}: the disk is full (${(err as NodeJS.ErrnoException).code}); the ${partial} bytes partly written were removed`, { cause: err });
      }
      return this.#host.fail(`writing at position ${start} of ${seg.path} failed`, err);
    }
    let position = start;
    const booked: SegmentBatch[] = [];
    for (const e of run) {
      for (const b of e.batches) booked.push({ ...b, position: position + b.position });
      position += e.buffer.length;
    }
    seg.recordBatches(booked, this.#host.config().indexIntervalBytes);
    seg.firstAppendAt ??= now;
    this.#host.written?.(run);
    this.#host.advanceLogEnd(run.at(-1)!.lastOffset + 1);
    for (const e of run) e.written.resolve();
    return undefined;
  }
}
