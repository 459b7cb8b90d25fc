/**
 * The leader-epoch cache (KIP-101): for every leader epoch, the first offset written in it.
 * Followers use it (through OffsetsForLeaderEpoch) to truncate to the true divergence point
 * instead of their high watermark.
 *
 * Invariants: epochs strictly increase and start offsets never decrease along the entries.
 * Every change is persisted to `leader-epoch-checkpoint` atomically before the returned promise
 * resolves; the in-memory view changes synchronously, so appends that assign offsets right after
 * an epoch change see it at once. Writes are serialized, so the file always ends up holding the
 * latest view.
 */
import { RunnelError } from '@runnel/protocol';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.ts';
import type { StorageIo } from './storage-io.ts';

/** The checkpoint file name inside a partition directory. */
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

/** Returned by endOffsetFor when the requested epoch is older than anything the cache knows. */
export const UNDEFINED_EPOCH = -1;

/** One entry: the first offset written under `epoch`. */
export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

/** Leader epoch → start offset, persisted in the partition directory. */
export class LeaderEpochCache {
  readonly #io: StorageIo;
  readonly #dir: string;
  #entries: EpochEntry[];
  #writing: Promise<void> = Promise.resolve();
  /** The in-memory view holds an entry not yet written ({@link assignUnwritten}). */
  #unwritten = false;

  private constructor(io: StorageIo, dir: string, entries: EpochEntry[]) {
    this.#io = io;
    this.#dir = dir;
    this.#entries = entries;
  }

  /** An empty cache for a new log in `dir` (which holds no checkpoint). */
  static empty(io: StorageIo, dir: string): LeaderEpochCache {
    return new LeaderEpochCache(io, dir, []);
  }

  /** Loads the cache from `dir` (empty if the checkpoint is absent). */
  static async load(io: StorageIo, dir: string): Promise<LeaderEpochCache> {
    const rows = (await readCheckpoint(io, dir, LEADER_EPOCH_CHECKPOINT, 2)) ?? [];
    const entries: EpochEntry[] = [];
    for (const [epoch = 0, startOffset = 0] of rows) {
      const last = entries.at(-1);
      if (epoch < 0 || startOffset < 0 || (last !== undefined && (epoch <= last.epoch || startOffset < last.startOffset))) {
        throw new RunnelError('STORAGE_ERROR',
          `Cannot load ${dir}/${LEADER_EPOCH_CHECKPOINT}: entry (epoch ${epoch}, offset ${startOffset}) breaks the ordering of epochs and offsets`);
      }
      entries.push({ epoch, startOffset });
    }
    return new LeaderEpochCache(io, dir, entries);
  }

  /** The newest epoch, or -1 when empty. */
  get latestEpoch(): number {
    return this.#entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /** A copy of the entries, oldest first. */
  entries(): Array<{ epoch: number; startOffset: number }> {
    return this.#entries.map((e) => ({ ...e }));
  }

  /**
   * Records that `epoch` starts at `startOffset`. A no-op when it is already the latest epoch at
   * the same or an earlier offset. As in Kafka, entries that conflict with the new one (an epoch
   * >= `epoch` or a start offset >= `startOffset`) are removed, so callers must not assign an
   * epoch older than the latest unless they mean to rewrite history (truncation).
   */
  assign(epoch: number, startOffset: number): Promise<void> {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      return Promise.reject(new RunnelError('INVALID_REQUEST',
        `Cannot assign leader epoch ${epoch} at offset ${startOffset}: both must be non-negative integers`));
    }
    const last = this.#entries.at(-1);
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return this.#writing;
    this.#entries = this.#entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.#entries.push({ epoch, startOffset });
    return this.#persist();
  }

  /**
   * {@link assign} for an epoch that has no record yet (a leader elected at its log end), kept in
   * memory only until {@link writeUnwritten}, the next change of the cache or {@link flush} writes
   * it. The caller must write it before a record in `epoch` is acknowledged (PartitionLog's
   * append does). Losing it in a crash before then leaves the cache as a log without that epoch's
   * records has it anyway (see docs/architecture.md, Storage).
   */
  assignUnwritten(epoch: number, startOffset: number): void {
    if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(startOffset) || startOffset < 0) {
      throw new RunnelError('INVALID_REQUEST', `Cannot assign leader epoch ${epoch} at offset ${startOffset}: both must be non-negative integers`);
    }
    const last = this.#entries.at(-1);
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return;
    this.#entries = this.#entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.#entries.push({ epoch, startOffset });
    this.#unwritten = true;
  }

  /** Whether the view holds an entry that {@link assignUnwritten} has not written yet. */
  get hasUnwritten(): boolean {
    return this.#unwritten;
  }

  /** Writes the view if {@link assignUnwritten} left it unwritten; resolves once it is on disk. */
  writeUnwritten(): Promise<void> {
    return this.#unwritten ? this.#persist() : this.#writing;
  }

  /**
   * OffsetsForLeaderEpoch, with Kafka's answers: for the latest epoch, `logEndOffset`; for an
   * older epoch, the largest known epoch <= it and the start offset of the next known epoch (when
   * `epoch` is older than every entry, `epoch` itself and the first start offset); for an epoch
   * newer than the latest, or an empty cache, `{ epoch: -1, endOffset: -1 }`.
   */
  endOffsetFor(epoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const latest = this.#entries.at(-1);
    if (latest === undefined || epoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH };
    if (epoch === latest.epoch) return { epoch, endOffset: logEndOffset };
    const nextIndex = this.#entries.findIndex((e) => e.epoch > epoch);
    const next = this.#entries[nextIndex];
    if (next === undefined) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH };
    const floor = this.#entries[nextIndex - 1];
    return { epoch: floor?.epoch ?? epoch, endOffset: next.startOffset };
  }

  /** Removes the epochs that start at or after `offset` (the log was truncated to `offset`). */
  truncateFromEnd(offset: number): Promise<void> {
    const kept = this.#entries.filter((e) => e.startOffset < offset);
    if (kept.length === this.#entries.length) return this.#writing;
    this.#entries = kept;
    return this.#persist();
  }

  /**
   * The log now starts at `offset`: epochs that ended before it are dropped and the epoch that
   * covers it is moved to start there.
   */
  truncateFromStart(offset: number): Promise<void> {
    const firstKept = this.#entries.findLastIndex((e) => e.startOffset <= offset);
    if (firstKept < 0) return this.#writing;
    const covering = this.#entries[firstKept];
    if (firstKept === 0 && covering?.startOffset === offset) return this.#writing;
    const rest = this.#entries.slice(firstKept + 1);
    this.#entries = covering === undefined ? rest : [{ epoch: covering.epoch, startOffset: offset }, ...rest];
    return this.#persist();
  }

  /** Resolves once everything assigned so far is on disk (an unwritten entry included). */
  flush(): Promise<void> {
    return this.writeUnwritten();
  }

  #persist(): Promise<void> {
    // Each write persists the view at the time it runs; chaining keeps them in order, and a failed
    // write does not stop later ones from trying (the caller of the failed one sees its error).
    this.#unwritten = false;
    const run = (): Promise<void> =>
      writeCheckpoint(this.#io, this.#dir, LEADER_EPOCH_CHECKPOINT, this.#entries.map((e) => [e.epoch, e.startOffset]));
    this.#writing = this.#writing.then(run, run);
    return this.#writing;
  }
}
