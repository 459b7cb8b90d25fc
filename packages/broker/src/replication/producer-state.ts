import { RunnelError, batchSizeAt, readBatchHeader, type RecordBatchHeader } from '@runnel/protocol';
import type { PartitionLog } from '@runnel/storage';

/** Batches remembered per producer, as Kafka (max.in.flight.requests.per.connection ≤ 5). */
export const PRODUCER_BATCHES_KEPT = 5;

/** The producer table is swept no sooner than at this size. */
const PRODUCER_SWEEP_MIN = 1024;

interface BatchEntry {
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Offsets once written; a promise while the append is in flight. */
  offsets: Promise<{ baseOffset: number; lastOffset: number }> | { baseOffset: number; lastOffset: number };
}

interface ProducerEntry {
  epoch: number;
  batches: BatchEntry[];
}

/** What {@link ProducerStateTable.check} decided for one idempotent batch. */
export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly offsets: BatchEntry['offsets'] };

/**
 * Idempotent-producer state of one partition (DESIGN.md §6 rule 11): per producer id its epoch
 * and the sequences and offsets of its last {@link PRODUCER_BATCHES_KEPT} batches. The leader
 * checks every idempotent batch before appending: a retry of a remembered batch is answered with
 * its original offsets, a gap is OUT_OF_ORDER_SEQUENCE, an older epoch INVALID_PRODUCER_EPOCH.
 * Followers apply the batches they copy, and a new leader rebuilds the table from its log, so a
 * retry across a failover is still recognised.
 */
export class ProducerStateTable {
  readonly #producers = new Map<number, ProducerEntry>();
  readonly #name: string;
  readonly #logStartOffset: () => number;
  /** Table size at which the next new producer sweeps out producers retention has removed. */
  #sweepAt = PRODUCER_SWEEP_MIN;

  /**
   * `logStartOffset` is the partition log's: a producer whose every batch lies below it (retention
   * deleted them) is forgotten, as Kafka evicts unretained producers, so the table holds the
   * producers the log holds and not every producer the partition has ever seen (short-lived
   * producers, one id each, otherwise grow it for good). A rebuild from the log knows exactly those.
   */
  constructor(name: string, logStartOffset: () => number = () => 0) {
    this.#name = name;
    this.#logStartOffset = logStartOffset;
  }

  /** Producers remembered (diagnostics and tests). */
  get size(): number {
    return this.#producers.size;
  }

  /**
   * Checks a batch against the producer's state. A batch to append is reserved at once (so a
   * concurrent retry of it is seen as a duplicate): call {@link settle} with its outcome.
   */
  check(h: RecordBatchHeader): SequenceCheck & { reserve?: (offsets: Promise<{ baseOffset: number; lastOffset: number }>) => void } {
    const firstSeq = h.baseSequence;
    const lastSeq = firstSeq + h.lastOffsetDelta;
    const entry = this.#producers.get(h.producerId);
    if (entry !== undefined && h.producerEpoch < entry.epoch) {
      throw new RunnelError('INVALID_PRODUCER_EPOCH', `Producer ${h.producerId} epoch ${h.producerEpoch} is fenced on ${this.#name}: epoch ${entry.epoch} is current`);
    }
    if (entry !== undefined && h.producerEpoch === entry.epoch) {
      const dup = entry.batches.find((b) => b.firstSeq === firstSeq && b.lastSeq === lastSeq);
      if (dup !== undefined) return { kind: 'duplicate', offsets: dup.offsets };
      const last = entry.batches.at(-1);
      const expected = last === undefined ? 0 : last.lastSeq + 1;
      if (last !== undefined && firstSeq !== expected) {
        throw new RunnelError('OUT_OF_ORDER_SEQUENCE', `Producer ${h.producerId} sent sequence ${firstSeq} to ${this.#name}; expected ${expected}`);
      }
    } else if (firstSeq !== 0 && entry !== undefined) {
      throw new RunnelError('OUT_OF_ORDER_SEQUENCE', `Producer ${h.producerId} starts epoch ${h.producerEpoch} on ${this.#name} at sequence ${firstSeq}; expected 0`);
    }
    // An unknown producer may start at any sequence: its earlier batches may have left with retention.
    return {
      kind: 'append',
      reserve: (offsets) => {
        const batch: BatchEntry = { firstSeq, lastSeq, offsets };
        this.#remember(h.producerId, h.producerEpoch, batch);
        offsets.then(
          (o) => {
            batch.offsets = o;
          },
          () => this.#forget(h.producerId, batch),
        );
      },
    };
  }

  /** Applies a batch that is in the log (follower copy, or rebuilding from the log). */
  apply(h: RecordBatchHeader): void {
    if (h.producerId < 0 || h.isControl) return;
    const lastOffset = h.baseOffset + h.lastOffsetDelta;
    this.#remember(h.producerId, h.producerEpoch, { firstSeq: h.baseSequence, lastSeq: h.baseSequence + h.lastOffsetDelta, offsets: { baseOffset: h.baseOffset, lastOffset } });
  }

  /** Forgets everything (before a rebuild). */
  clear(): void {
    this.#producers.clear();
  }

  /** Rebuilds from every batch of the log (after recovery, truncation or promotion). */
  async rebuild(log: PartitionLog): Promise<void> {
    this.clear();
    let offset = log.logStartOffset;
    while (offset < log.logEndOffset) {
      const { records } = await log.read(offset, { maxBytes: 1 << 20 });
      if (records.length === 0) break;
      let next = offset;
      for (let pos = 0; pos < records.length; ) {
        const size = batchSizeAt(records, pos);
        if (size <= 0 || pos + size > records.length) break;
        const h = readBatchHeader(records, pos);
        this.apply(h);
        next = h.baseOffset + h.lastOffsetDelta + 1;
        pos += size;
      }
      if (next <= offset) break;
      offset = next;
    }
  }

  #remember(producerId: number, epoch: number, batch: BatchEntry): void {
    let entry = this.#producers.get(producerId);
    if (entry === undefined || epoch > entry.epoch) {
      if (entry === undefined && this.#producers.size >= this.#sweepAt) this.#sweep();
      entry = { epoch, batches: [] };
      this.#producers.set(producerId, entry);
    }
    entry.batches.push(batch);
    if (entry.batches.length > PRODUCER_BATCHES_KEPT) entry.batches.shift();
  }

  /** Forgets producers whose batches are all written and below the log start; amortised O(1) per new producer. */
  #sweep(): void {
    const logStart = this.#logStartOffset();
    for (const [id, entry] of this.#producers) {
      const last = entry.batches.at(-1);
      if (last === undefined || (!(last.offsets instanceof Promise) && last.offsets.lastOffset < logStart)) this.#producers.delete(id);
    }
    this.#sweepAt = Math.max(PRODUCER_SWEEP_MIN, this.#producers.size * 2);
  }

  #forget(producerId: number, batch: BatchEntry): void {
    const entry = this.#producers.get(producerId);
    if (entry !== undefined) entry.batches = entry.batches.filter((b) => b !== batch);
  }
}

/** Reads the headers of the validated batches in `records`. */
export function batchHeaders(records: Buffer): RecordBatchHeader[] {
  const headers: RecordBatchHeader[] = [];
  for (let pos = 0; pos < records.length; ) {
    const size = batchSizeAt(records, pos);
    if (size <= 0 || pos + size > records.length) break;
    headers.push(readBatchHeader(records, pos));
    pos += size;
  }
  return headers;
}
