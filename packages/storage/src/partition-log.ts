/**
 * The log of one partition replica: segmented files, appends with group commit, reads by file
 * position, recovery, truncation, retention and compaction.
 *
 * Ordering: `append` assigns offsets synchronously, in call order, before its first await; the
 * bytes are then written by a single writer (the write lane), so concurrent appends never
 * interleave, and offsets stay dense. Appends queued together are written with one writev.
 *
 * Offsets: logStartOffset <= highWatermark <= logEndOffset; flushedOffset <= logEndOffset.
 * logEndOffset counts written bytes (readable); an append in `fsync` mode resolves only once
 * flushedOffset has passed it.
 */
import { RunnelError } from '@runnel/protocol';
import { assignOffsets } from './append-batches.ts';
import { AppendQueue, type PendingAppend } from './append-queue.ts';
import { GroupCommit } from './group-commit.ts';
import { LeaderEpochCache } from './leader-epoch-cache.ts';
import { loadSegments, type RecoveryTruncation } from './log-loader.ts';
import { findOffsetForTimestamp, locateBatch, readFromSegments } from './log-reader.ts';
import { LogSegment, type ReadAllocator } from './log-segment.ts';
import { SerialLane } from './serial-lane.ts';
import { TailCache } from './tail-cache.ts';
import { fsyncChannel, stderrLogger, type StorageLogger } from './storage-events.ts';
import { nodeStorageIo, type StorageIo } from './storage-io.ts';
import { readOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint-file.ts';
import { selectRetainedPrefix } from './log-retention.ts';
import { compactSegments } from './log-compactor.ts';
import type { LogConfig } from './log-config.ts';
import { dirname } from 'node:path';
import { lazyDirectoryIo } from './lazy-directory.ts';
import { verifySegments, type IntegrityReport } from './log-verifier.ts';

/** Bytes of recent small appends each log keeps in memory for tail readers, and the largest append kept. */
const TAIL_CACHE_BYTES = 256 * 1024;
const TAIL_CACHE_MAX_APPEND_BYTES = 64 * 1024;

/** Checkpoint file names inside a partition directory. */
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT = 'high-watermark-checkpoint';
/** The log start offset when it lies above the first segment's base (a follower following its leader's start, as Kafka's log-start-offset-checkpoint). */
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';

/** Options of {@link PartitionLog.open}. */
export interface PartitionLogOptions {
  dir: string;
  config: LogConfig;
  /** For messages and events, e.g. 'orders-3'. @default the directory's base name */
  name?: string;
  /** File-I/O seam (tests inject faults). @default nodeStorageIo */
  io?: StorageIo;
  /** @default JSON lines on stderr for warnings */
  logger?: StorageLogger;
  /** How often a changed high watermark is checkpointed (as Kafka's replica.high.watermark.checkpoint.interval.ms). @default 5000 */
  highWatermarkCheckpointMs?: number;
  /**
   * Makes the log directory's own entry in its parent durable; called once, before the first data
   * of a log whose directory this open created is synced. The data directory batches it over many
   * partitions. @default an fsync of the parent directory
   */
  syncParentDir?: () => Promise<void>;
  /**
   * The caller knows that `dir` does not exist (DataDirectory, which alone creates partition
   * directories in the data directory it holds locked): the log is created without looking for
   * checkpoints or segments. @default false: open whatever `dir` holds
   */
  fresh?: boolean;
}

/** Options of {@link PartitionLog.append}. */
export interface AppendOptions {
  /** The leader epoch of the appending leader (leader mode) — stamped into every batch. */
  leaderEpoch: number;
  /** true: leader, stamp offsets and epoch. false: follower, batches carry offsets that must continue the log. */
  assignOffsets: boolean;
  /** Called once the batches are written (readable), before an `fsync`-mode append waits for the sync. */
  onWritten?: () => void;
}

/** What an append wrote. */
export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
  /** The broker's timestamp for LogAppendTime topics, -1 otherwise (as Kafka). */
  logAppendTime: number;
}

interface PreparedAppend {
  entry: PendingAppend;
  epochWrite: Promise<void>;
  appendTime: number;
  durability: LogConfig['durability'];
  timestampType: LogConfig['timestampType'];
  onWritten: (() => void) | undefined;
}

/** The log of one partition replica. */
export class PartitionLog {
  readonly name: string;
  readonly dir: string;
  /** The current configuration (a copy; change it with {@link PartitionLog.updateConfig}). */
  get config(): LogConfig {
    return this.#config;
  }
  #config: LogConfig;
  /** Leader epoch → start offset (KIP-101). */
  readonly leaderEpochs: LeaderEpochCache;
  /** What recovery cut at open (empty after a clean shutdown). */
  readonly recoveryTruncations: readonly RecoveryTruncation[];
  readonly #io: StorageIo;
  readonly #logger: StorageLogger;
  #segments: LogSegment[];
  #nextOffset: number;
  #logEndOffset: number;
  #highWatermark: number;
  /** The log start when above the first segment's base (set by {@link advanceLogStartOffset}); reads below it fail. */
  #logStartOffset: number;
  #recoveryPoint: number;
  readonly #groupCommit: GroupCommit;
  readonly #lane = new SerialLane();
  readonly #writer: AppendQueue;
  /** Serializes compactions (their heavy work runs outside the write lane). */
  readonly #maintenance = new SerialLane();
  #truncating = false;
  /** Bumped by every truncation: a compaction that started before one does not swap its result in. */
  #truncations = 0;
  #failure: RunnelError | undefined;
  #closed = false;
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #hwTimer: NodeJS.Timeout;
  /** Serializes high-watermark checkpoint writes (they share one temporary file name). */
  readonly #checkpointLane = new SerialLane();
  /** The value in the high-watermark checkpoint file (0 when there is none: the same on reopen). */
  #checkpointedHighWatermark: number;
  /**
   * Set while the directory entries of a log created by this open are not known durable: its first
   * segment file (in the log directory) and the log directory (in its parent). Both are made
   * durable before its first data is (see {@link #linkDirectory}).
   */
  #unlinked: (() => Promise<void>) | undefined;
  /** Whether anything of the log is on disk (false only for a new log nothing was written to yet). */
  #onDisk: () => boolean = () => true;
  /** The latest small appends, for readers at the log end (see tail-cache.ts). */
  readonly #tail = new TailCache({ maxBytes: TAIL_CACHE_BYTES, maxAppendBytes: TAIL_CACHE_MAX_APPEND_BYTES });

  private constructor(options: PartitionLogOptions & { io: StorageIo; logger: StorageLogger; name: string }, segments: LogSegment[], epochs: LeaderEpochCache, hw: { value: number; inFile: number }, truncations: RecoveryTruncation[], logStart: number, created: boolean) {
    this.name = options.name;
    this.dir = options.dir;
    this.#config = { ...options.config };
    this.#io = options.io;
    this.#logger = options.logger;
    this.#segments = segments;
    this.leaderEpochs = epochs;
    this.recoveryTruncations = truncations;
    this.#logEndOffset = this.#active.nextOffset;
    this.#nextOffset = this.#logEndOffset;
    this.#logStartOffset = Math.min(logStart, this.#logEndOffset);
    this.#recoveryPoint = this.#active.baseOffset;
    this.#highWatermark = Math.min(Math.max(hw.value, this.logStartOffset), this.#logEndOffset);
    if (created) {
      const io = options.io;
      const dir = options.dir;
      const parent = options.syncParentDir ?? (() => io.syncDir(dirname(dir)));
      this.#unlinked = async () => {
        await io.syncDir(dir);
        await parent();
      };
    }
    this.#writer = new AppendQueue({
      name: this.name,
      config: () => this.#config,
      lane: this.#lane,
      activeSegment: () => this.#active,
      roll: (baseOffset) => this.#roll(baseOffset),
      fail: (what, cause) => this.#fail(what, cause),
      advanceLogEnd: (offset) => {
        this.#logEndOffset = offset;
      },
      written: (run) => {
        for (const e of run) this.#tail.add(e.buffer, e.batches);
      },
      rewind: () => {
        this.#nextOffset = this.#logEndOffset;
      },
      truncateEpochs: () => this.leaderEpochs.truncateFromEnd(this.#logEndOffset)
        .catch((err: unknown) => void this.#fail('the leader-epoch checkpoint could not be written', err)),
    });
    this.#groupCommit = new GroupCommit({
      name: this.name,
      flushedOffset: this.#logEndOffset,
      sync: async () => {
        const covered = this.#logEndOffset;
        const active = this.#active;
        // Pinned: a truncation may replace the active segment while the sync runs.
        await active.use(() => active.file.datasync());
        await this.#linkDirectory();
        return covered;
      },
      onFailure: (err) => void this.#fail('fdatasync failed', err),
    });
    this.#checkpointedHighWatermark = hw.inFile;
    this.#hwTimer = setInterval(() => {
      if (this.#highWatermark === this.#checkpointedHighWatermark || this.#closed) return;
      this.#checkpointHighWatermark().catch((err: unknown) => {
        this.#logger.warn({ log: this.name, err: String(err) }, `Cannot checkpoint the high watermark of ${this.name}; will retry`);
      });
    }, options.highWatermarkCheckpointMs ?? 5000);
    this.#hwTimer.unref();
    this.#startFlushTimer();
  }

  #startFlushTimer(): void {
    clearInterval(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#config.durability !== 'replicated' || this.#closed) return;
    this.#flushTimer = setInterval(() => {
      // A failed flush fails the log (group commit's onFailure); nothing else to do here.
      this.#groupCommit.waitFor(this.#logEndOffset).catch(() => undefined);
    }, this.#config.flushIntervalMs);
    this.#flushTimer.unref();
  }

  /**
   * Applies a changed topic configuration (e.g. after an AlterConfigs). Takes effect for the
   * next append, roll, retention or compaction run; appends already waiting keep the durability
   * they started with.
   */
  updateConfig(config: LogConfig): void {
    this.#config = { ...config };
    this.#startFlushTimer();
  }

  /** Opens (creating if needed) and recovers the log in `options.dir`. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const io = options.io ?? nodeStorageIo;
    const logger = options.logger ?? stderrLogger;
    const name = options.name ?? options.dir.split('/').filter(Boolean).at(-1) ?? options.dir;
    if (options.fresh === true) {
      // Nothing to read, and nothing to create yet: the directory and the first segment file are
      // made by the first write into them (lazy-directory.ts). Until then the log is empty and has
      // no file, as after a crash that lost them.
      const lazy = lazyDirectoryIo(io, options.dir);
      const first = LogSegment.createLazy(lazy.io, options.dir, 0);
      const log = new PartitionLog({ ...options, io: lazy.io, logger, name }, [first], LeaderEpochCache.empty(lazy.io, options.dir), { value: 0, inFile: 0 }, [], 0, true);
      log.#onDisk = lazy.made;
      return log;
    }
    await io.mkdir(options.dir);
    const recoveryPoint = await readOffsetCheckpoint(io, options.dir, RECOVERY_POINT_CHECKPOINT).catch((err: unknown) => {
      logger.warn({ log: name, err: String(err) }, `Ignoring the unreadable recovery point of ${name}: recovering every segment`);
      return 0;
    }) ?? 0;
    // NaN for an unreadable file: never equal to a high watermark, so the next checkpoint rewrites it.
    const hwInFile = await readOffsetCheckpoint(io, options.dir, HIGH_WATERMARK_CHECKPOINT).catch(() => Number.NaN) ?? 0;
    const hw = { value: Number.isNaN(hwInFile) ? 0 : hwInFile, inFile: hwInFile };
    const logStart = await readOffsetCheckpoint(io, options.dir, LOG_START_OFFSET_CHECKPOINT).catch(() => 0) ?? 0;
    const loaded = await loadSegments({ io, dir: options.dir, name, recoveryPoint, indexIntervalBytes: options.config.indexIntervalBytes, logger });
    try {
      const epochs = await LeaderEpochCache.load(io, options.dir);
      const last = loaded.segments.at(-1)!;
      await epochs.truncateFromEnd(last.nextOffset);
      await epochs.truncateFromStart(Math.min(Math.max(loaded.segments[0]!.baseOffset, logStart), last.nextOffset));
      // Batches of an epoch the checkpoint lacks (a crash between a record write and its epoch
      // entry, possible before the writer waited for the entry): restore it from the batches, as
      // Kafka's recovery does, or a follower would hide its divergence from the leader.
      for (const e of loaded.epochStarts) {
        const latest = epochs.entries().at(-1);
        const startOffset = Math.max(e.startOffset, logStart);
        if (e.epoch <= (latest?.epoch ?? -1) || startOffset < (latest?.startOffset ?? 0)) continue;
        logger.warn({ log: name, epoch: e.epoch, startOffset }, `The leader-epoch checkpoint of ${name} lacked epoch ${e.epoch} of the batches from offset ${startOffset}: restored from the log`);
        await epochs.assign(e.epoch, startOffset);
      }
      if (loaded.recoveredSegments > 0) {
        await last.file.datasync();
        await writeOffsetCheckpoint(io, options.dir, RECOVERY_POINT_CHECKPOINT, last.baseOffset);
      }
      return new PartitionLog({ ...options, io, logger, name }, loaded.segments, epochs, hw, loaded.truncations, logStart, loaded.created);
    } catch (err) {
      await Promise.all(loaded.segments.map((s) => s.close()));
      throw err;
    }
  }

  get #active(): LogSegment {
    return this.#segments.at(-1)!;
  }

  /** First offset held: the first segment's base, or above it once advanced by {@link advanceLogStartOffset}. */
  get logStartOffset(): number {
    return Math.max(this.#segments[0]!.baseOffset, this.#logStartOffset);
  }

  /** One past the last written offset. */
  get logEndOffset(): number {
    return this.#logEndOffset;
  }

  /** Offsets below this are on stable storage. */
  get flushedOffset(): number {
    // A sync that was in flight across a truncation may report more than the log now holds.
    return Math.min(this.#groupCommit.flushedOffset, this.#logEndOffset);
  }

  /** Offsets below this are committed (set by the broker); persisted on flush and close. */
  get highWatermark(): number {
    return this.#highWatermark;
  }

  /**
   * Moves the high watermark. It never decreases here (only truncation lowers it), so a lower
   * value is ignored; a value past the log end is an error.
   */
  set highWatermark(value: number) {
    if (!Number.isSafeInteger(value) || value > this.#logEndOffset) {
      throw new RunnelError('INVALID_REQUEST', `Cannot set the high watermark of ${this.name} to ${value}: it must be an integer <= the log end offset ${this.#logEndOffset}`);
    }
    if (value > this.#highWatermark) this.#highWatermark = value;
  }

  /** Bytes of all segments. */
  get sizeBytes(): number {
    return this.#segments.reduce((sum, s) => sum + s.size, 0);
  }

  /** Number of segments (including the active one). */
  get segmentCount(): number {
    return this.#segments.length;
  }

  /** Base offsets of the segments, oldest first (for tools and tests). */
  segmentBaseOffsets(): number[] {
    return this.#segments.map((s) => s.baseOffset);
  }

  /**
   * Appends batches that the broker already validated (validateBatches). The framing is
   * re-checked cheaply (sizes and headers, no CRC, no record decoding).
   *
   * @throws RunnelError DISK_FULL (nothing written, retry later), STORAGE_ERROR (the log is failed),
   *   FENCED_LEADER_EPOCH, INVALID_REQUEST, CORRUPT_BATCH, RECORD_TOO_LARGE
   */
  append(batches: Buffer, options: AppendOptions): Promise<AppendResult> {
    try {
      const pending = this.#prepare(batches, options);
      return this.#finish(pending);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  #prepare(buffer: Buffer, options: AppendOptions): PreparedAppend {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#closed) throw new RunnelError('STORAGE_ERROR', `Cannot append to ${this.name}: the log is closed`);
    if (this.#truncating) throw new RunnelError('INVALID_REQUEST', `Cannot append to ${this.name}: the log is being truncated`);
    const assigned = assignOffsets(buffer, options, { name: this.name, config: this.config, nextOffset: this.#nextOffset, logEndOffset: this.#logEndOffset, latestEpoch: this.leaderEpochs.latestEpoch });
    // The epoch cache changes in memory at once (the next append sees it); the file write is awaited below.
    const epochWrites = assigned.newEpochs.map((e) => this.leaderEpochs.assign(e.epoch, e.startOffset));
    // An epoch started by startLeaderEpoch without a write is written before this append is acknowledged.
    if (this.leaderEpochs.hasUnwritten) epochWrites.push(this.leaderEpochs.writeUnwritten());
    // The records wait for their epoch entry (PendingAppend.epochWritten): the cache never lags the log on disk.
    const epochWrite = epochWrites.length === 0 ? undefined : Promise.all(epochWrites).then(() => undefined);
    epochWrite?.catch(() => undefined);
    const entry: PendingAppend = { buffer, batches: assigned.batches, baseOffset: assigned.baseOffset, lastOffset: assigned.lastOffset, written: Promise.withResolvers<void>(), epochWritten: epochWrite };
    this.#nextOffset = assigned.lastOffset + 1;
    this.#writer.push(entry);
    return { entry, epochWrite: epochWrite ?? Promise.resolve(), appendTime: assigned.appendTime, durability: this.#config.durability, timestampType: this.#config.timestampType, onWritten: options.onWritten };
  }

  async #finish(p: PreparedAppend): Promise<AppendResult> {
    const [written, epochs] = await Promise.allSettled([p.entry.written.promise, p.epochWrite]);
    if (written.status === 'rejected') throw written.reason;
    if (epochs.status === 'rejected') throw this.#fail('the leader-epoch checkpoint could not be written', epochs.reason);
    p.onWritten?.();
    if (p.durability === 'fsync') await this.#groupCommit.waitFor(p.entry.lastOffset + 1);
    return { baseOffset: p.entry.baseOffset, lastOffset: p.entry.lastOffset, logAppendTime: p.timestampType === 'logAppend' ? p.appendTime : -1 };
  }

  /** Seals the active segment (synced, index files written) and starts a new one at `baseOffset`. */
  async #roll(baseOffset: number): Promise<void> {
    const old = this.#active;
    try {
      await this.#timedSync(old);
    } catch (err) {
      // A failed fdatasync is fatal whatever its errno (the page cache state is unknown).
      throw this.#fail('fdatasync of a sealed segment failed', err);
    }
    await this.#linkDirectory();
    await old.writeIndexes();
    const seg = await LogSegment.create(this.#io, this.dir, baseOffset);
    this.#segments.push(seg);
    this.#groupCommit.markFlushed(old.nextOffset);
    // Everything below the new segment is durable and indexed: recovery can start there.
    await writeOffsetCheckpoint(this.#io, this.dir, RECOVERY_POINT_CHECKPOINT, baseOffset);
    this.#recoveryPoint = baseOffset;
  }

  /**
   * Makes the entries of a log created by this open durable, once: its first segment file and its
   * directory in the parent. Until data is synced, losing them loses only an empty log, which the
   * next open creates again (docs/architecture.md, Storage: what creation does not fsync).
   */
  async #linkDirectory(): Promise<void> {
    const link = this.#unlinked;
    if (link === undefined) return;
    // A first segment whose file is not made yet (a new log's, see lazy-directory.ts) gets its
    // entry later: this link does not cover it, so the next one syncs again.
    const complete = this.#segments.every((s) => s.hasFile);
    await link();
    if (complete && this.#unlinked === link) this.#unlinked = undefined;
  }

  /**
   * Starts leader epoch `epoch` at `startOffset` (a leader's election: the epoch entry of KIP-101).
   * The entry is durable before any record in `epoch` is acknowledged. When no record lies at or
   * past `startOffset` (the usual case: the new leader starts at its log end), the write is left to
   * the first append in `epoch` (or a flush): until a record exists in the epoch, a crash that
   * loses the entry leaves the same log and answers (docs/architecture.md, Storage). A new
   * partition's election thus writes no file.
   */
  startLeaderEpoch(epoch: number, startOffset: number): Promise<void> {
    if (startOffset === this.#logEndOffset && this.#nextOffset === this.#logEndOffset && this.#failure === undefined) {
      try {
        this.leaderEpochs.assignUnwritten(epoch, startOffset);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      return Promise.resolve();
    }
    return this.leaderEpochs.assign(epoch, startOffset);
  }

  async #timedSync(seg: LogSegment): Promise<void> {
    const started = performance.now();
    try {
      await seg.file.datasync();
    } finally {
      if (fsyncChannel.hasSubscribers) fsyncChannel.publish({ log: this.name, durationMs: performance.now() - started, appends: 0 });
    }
  }

  /** Marks the log failed (fatal, as after a failed fsync: the page cache state is unknown). */
  #fail(what: string, cause: unknown): RunnelError {
    if (this.#failure === undefined) {
      this.#failure = new RunnelError('STORAGE_ERROR', `Partition log ${this.name} is failed: ${what} (${String(cause)}); restart the broker to recover it from disk`, { cause });
      this.#logger.error({ log: this.name, err: String(cause) }, this.#failure.message);
    }
    this.#groupCommit.fail(this.#failure);
    this.#writer.rejectQueued(this.#failure);
    return this.#failure;
  }

  /**
   * Whole batches from the one containing `offset`, up to `maxBytes` (at least one batch), never
   * a batch whose last offset is at or past `maxOffset` (exclusive bound, e.g. the high
   * watermark). `firstOffset` is the base offset of the first batch returned (it may be below
   * `offset`, which sits inside it), or `offset` when nothing is returned. With `allocate`, bytes
   * that must be read or assembled go into a buffer it gives (`records` is then a view of it,
   * valid until the caller reuses that buffer); otherwise into a new buffer.
   *
   * @throws RunnelError OFFSET_OUT_OF_RANGE when offset is below logStartOffset or above logEndOffset
   */
  async read(offset: number, options: { maxBytes: number; maxOffset?: number; allocate?: ReadAllocator }): Promise<{ records: Buffer; firstOffset: number }> {
    if (this.#closed) throw new RunnelError('STORAGE_ERROR', `Cannot read ${this.name}: the log is closed`);
    const start = this.logStartOffset;
    const end = this.#logEndOffset;
    if (!Number.isSafeInteger(offset) || offset < start || offset > end) {
      throw new RunnelError('OFFSET_OUT_OF_RANGE', `Cannot read offset ${offset} of ${this.name}: the log holds offsets ${start} to ${end} (exclusive)`);
    }
    const limit = Math.min(options.maxOffset ?? end, end);
    const empty = { records: Buffer.alloc(0), firstOffset: offset };
    if (offset >= limit) return empty;
    const cached = this.#tail.read(offset, options.maxBytes, limit, options.allocate);
    if (cached !== undefined) return cached.records.length === 0 ? empty : cached;
    return (await readFromSegments(this.#segments, offset, options.maxBytes, limit, options.allocate)) ?? empty;
  }

  /** The first offset whose record timestamp is >= `timestamp`, with that timestamp; null if none. */
  async offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | null> {
    if (this.#closed) throw new RunnelError('STORAGE_ERROR', `Cannot search ${this.name}: the log is closed`);
    return (await findOffsetForTimestamp([...this.#segments], timestamp, this.logStartOffset)) ?? null;
  }

  /**
   * Removes every batch whose last offset is >= `offset` (a batch holding `offset` goes whole, so
   * the log may end below `offset`). The recovery point, flushed offset, high watermark and epoch
   * cache follow. No-op when `offset` >= logEndOffset.
   */
  async truncateTo(offset: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#nextOffset !== this.#logEndOffset || this.#writer.busy) {
      throw new RunnelError('INVALID_REQUEST', `Cannot truncate ${this.name} to ${offset}: appends are in flight`);
    }
    if (offset >= this.#logEndOffset) return;
    this.#tail.clear();
    this.#truncating = true;
    try {
      await this.#lane.run(() => this.#truncate(offset));
    } finally {
      this.#truncating = false;
    }
  }

  async #truncate(offset: number): Promise<void> {
    this.#truncations++;
    if (offset < this.#recoveryPoint) {
      this.#recoveryPoint = Math.max(0, offset);
      await writeOffsetCheckpoint(this.#io, this.dir, RECOVERY_POINT_CHECKPOINT, this.#recoveryPoint);
    }
    if (offset <= this.logStartOffset) {
      const base = Math.max(offset, 0);
      while (this.#segments.length > 1) await this.#segments.pop()!.delete();
      const first = this.#active;
      if (first.baseOffset === base) {
        // Same file name: empty it in place rather than create a file that deleting the old one would unlink.
        await first.truncateTo(0, this.config.indexIntervalBytes);
        await first.file.datasync();
        await first.deleteIndexFiles();
      } else {
        this.#segments.push(await LogSegment.create(this.#io, this.dir, base));
        await this.#segments.shift()!.delete();
      }
      await this.#setLogStart(base);
    } else {
      while (this.#segments.length > 1 && this.#active.baseOffset >= offset) await this.#segments.pop()!.delete();
      const seg = this.#active;
      const location = await locateBatch(seg, offset);
      if (location !== undefined) await seg.truncateTo(location.position, this.config.indexIntervalBytes);
      await seg.file.datasync();
      // Its index files (if it was a sealed segment) describe the cut bytes; they are rewritten at close.
      await seg.deleteIndexFiles();
    }
    await this.#io.syncDir(this.dir);
    this.#logEndOffset = this.#active.nextOffset;
    this.#nextOffset = this.#logEndOffset;
    this.#groupCommit.lowerTo(this.#logEndOffset);
    this.#highWatermark = Math.min(this.#highWatermark, this.#logEndOffset);
    await this.leaderEpochs.truncateFromEnd(this.#logEndOffset);
  }

  /** Sets the logical log start and checkpoints it (before segments below it are deleted). */
  async #setLogStart(offset: number): Promise<void> {
    this.#logStartOffset = offset;
    // A follower starting a new log at its leader's start keeps that start across a crash.
    await this.#linkDirectory();
    await writeOffsetCheckpoint(this.#io, this.dir, LOG_START_OFFSET_CHECKPOINT, offset);
  }

  /**
   * Moves the log start up to `offset` (as Kafka's maybeIncrementLogStartOffset: a follower
   * following its leader's log start, or DeleteRecords): offsets below it are no longer readable,
   * and whole closed segments below it are deleted. Never past the high watermark (`offset` is
   * capped there); a lower or equal offset is a no-op. Returns the new log start and how many
   * segments went.
   */
  async advanceLogStartOffset(offset: number): Promise<{ logStartOffset: number; deletedSegments: number }> {
    if (this.#failure !== undefined) throw this.#failure;
    if (!Number.isSafeInteger(offset)) {
      throw new RunnelError('INVALID_REQUEST', `Cannot move the log start of ${this.name} to ${offset}: it must be an integer`);
    }
    return this.#lane.run(async () => {
      const target = Math.min(offset, this.#highWatermark);
      if (target <= this.logStartOffset) return { logStartOffset: this.logStartOffset, deletedSegments: 0 };
      await this.#setLogStart(target);
      let count = 0;
      while (count < this.#segments.length - 1 && this.#segments[count]!.nextOffset <= target) count++;
      const doomed = this.#segments.splice(0, count);
      for (const s of doomed) await s.delete();
      if (count > 0) await this.#io.syncDir(this.dir);
      await this.leaderEpochs.truncateFromStart(target);
      return { logStartOffset: target, deletedSegments: count };
    });
  }

  /**
   * Empties the log and starts it at `offset` (as Kafka's truncateFullyAndStartAt): for a
   * follower whose log end fell below its leader's log start. The high watermark, recovery point
   * and epoch cache follow; the next append must bring offset `offset` (or later, in a compacted log).
   */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new RunnelError('INVALID_REQUEST', `Cannot restart ${this.name} at offset ${offset}: it must be a non-negative integer`);
    }
    if (this.#nextOffset !== this.#logEndOffset || this.#writer.busy) {
      throw new RunnelError('INVALID_REQUEST', `Cannot restart ${this.name} at offset ${offset}: appends are in flight`);
    }
    this.#tail.clear();
    this.#truncating = true;
    try {
      await this.#lane.run(async () => {
        this.#truncations++;
        this.#recoveryPoint = offset;
        await writeOffsetCheckpoint(this.#io, this.dir, RECOVERY_POINT_CHECKPOINT, offset);
        const old = this.#segments.splice(0);
        const fresh = old.find((s) => s.baseOffset === offset);
        for (const s of old) if (s !== fresh) await s.delete();
        if (fresh === undefined) {
          this.#segments.push(await LogSegment.create(this.#io, this.dir, offset));
        } else {
          // Same file name: empty it in place rather than create a file that deleting the old one would unlink.
          this.#segments.push(fresh);
          await fresh.truncateTo(0, this.config.indexIntervalBytes);
          await fresh.file.datasync();
          await fresh.deleteIndexFiles();
        }
        await this.#setLogStart(offset);
        await this.#io.syncDir(this.dir);
        this.#logEndOffset = offset;
        this.#nextOffset = offset;
        // The empty log is durable up to its start (the segment and directory were synced).
        this.#groupCommit.lowerTo(offset);
        this.#groupCommit.markFlushed(offset);
        this.#highWatermark = offset;
        await this.leaderEpochs.truncateFromEnd(0);
      });
    } finally {
      this.#truncating = false;
    }
  }

  /**
   * Deletes whole closed segments past retention.ms (by their newest timestamp) or beyond
   * retention.bytes, oldest first; never the active segment, never data at or above the high
   * watermark. No-op unless cleanup.policy includes delete.
   */
  async enforceRetention(now = Date.now()): Promise<{ deletedSegments: number }> {
    if (this.config.cleanupPolicy === 'compact') return { deletedSegments: 0 };
    return this.#lane.run(async () => {
      const count = selectRetainedPrefix(this.#segments, this.config, this.#highWatermark, now);
      if (count === 0) return { deletedSegments: 0 };
      const doomed = this.#segments.splice(0, count);
      for (const s of doomed) await s.delete();
      await this.#io.syncDir(this.dir);
      this.#highWatermark = Math.max(this.#highWatermark, this.logStartOffset);
      await this.leaderEpochs.truncateFromStart(this.logStartOffset);
      return { deletedSegments: count };
    });
  }

  /**
   * Compacts the closed segments (cleanup.policy compact): keeps the latest record per key,
   * drops keyless records and expired tombstones. No-op for policy delete.
   */
  async compact(now = Date.now()): Promise<{ removedRecords: number }> {
    if (this.config.cleanupPolicy === 'delete') return { removedRecords: 0 };
    return this.#maintenance.run(() => {
      // A truncation since the pass started (a follower cutting a divergent suffix) may have cut a
      // segment being compacted: its compacted copy would bring the cut records back.
      const truncations = this.#truncations;
      return compactSegments({
        segments: () => this.#segments,
        swap: (old, replacement, commit) => this.#lane.run(async () => {
          const i = this.#segments.indexOf(old);
          if (i < 0 || this.#closed || this.#truncations !== truncations) return false;
          await commit();
          this.#segments[i] = replacement;
          // Tail readers see the compacted bytes from now on.
          this.#tail.clear();
          return true;
        }),
        io: this.#io,
        config: this.config,
        highWatermark: this.#highWatermark,
        now,
      });
    });
  }

  /**
   * Rescans every batch (CRC included) and checks offsets and indexes against it. Runs in the
   * write lane, so it sees a quiet log; costs a full read of the log.
   */
  verify(): Promise<IntegrityReport> {
    return this.#lane.run(() => verifySegments(this.#segments, this.#logEndOffset));
  }

  /** Makes everything written durable (data, epochs, high watermark checkpoint). */
  async flush(): Promise<void> {
    if (this.#failure !== undefined) throw this.#failure;
    await this.#groupCommit.waitFor(this.#logEndOffset);
    await this.leaderEpochs.flush();
    await this.#checkpointHighWatermark();
  }

  #checkpointHighWatermark(): Promise<void> {
    return this.#checkpointLane.run(async () => {
      const hw = this.#highWatermark;
      // The file already says so (or, with no file, reopening gives 0 as well).
      if (hw === this.#checkpointedHighWatermark) return;
      await writeOffsetCheckpoint(this.#io, this.dir, HIGH_WATERMARK_CHECKPOINT, hw);
      this.#checkpointedHighWatermark = hw;
    });
  }

  /**
   * Waits for queued appends, flushes, writes the active segment's index files and a recovery
   * point at the log end (so the next open rescans nothing), and closes the files. A failed log
   * only closes its files.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#flushTimer);
    clearInterval(this.#hwTimer);
    while (this.#writer.busy) await this.#lane.run(() => Promise.resolve());
    try {
      // A new log nothing was written to has no file; reopening it gives the same empty log (an
      // election's unwritten epoch entry included: see startLeaderEpoch).
      if (this.#failure === undefined && this.#onDisk()) {
        await this.#lane.run(async () => {
          await this.flush();
          await this.#active.writeIndexes();
          await writeOffsetCheckpoint(this.#io, this.dir, RECOVERY_POINT_CHECKPOINT, this.#logEndOffset);
        });
      }
    } finally {
      await Promise.all(this.#segments.map((s) => s.close()));
    }
  }
}
