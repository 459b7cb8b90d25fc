import type { ProducerRecord } from '@runnel/protocol';
import { ProducerBatch, estimateRecordSize, type RecordMetadata } from './producer-batch.ts';

/** Options of {@link RecordAccumulator}. */
export interface AccumulatorOptions {
  /** A batch is ready once its estimated size reaches this many bytes. */
  batchSize: number;
  /** A batch is ready this long after its first record, even when not full. */
  lingerMs: number;
  /** Clock, injectable for tests. @default Date.now */
  now?: () => number;
  /** Told when a batch stops accepting records (the sticky partitioner moves on). */
  onBatchClosed?: (topic: string, partition: number) => void;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  /** Oldest first. Only the last batch accepts records. */
  batches: ProducerBatch[];
  /** Batches of this partition currently on the wire. */
  inFlight: number;
  /** Set after a retriable failure: nothing is sent until every in-flight batch has settled. */
  muted: boolean;
}

/**
 * Per-partition queues of record batches between `send()` and the network (Kafka's
 * RecordAccumulator). Invariants: records of one partition leave in the order they were appended,
 * and a failed batch that is retried goes back to the head of its queue in creation order, so
 * retries never overtake younger batches that have not been sent yet.
 */
export class RecordAccumulator {
  readonly #options: { batchSize: number; lingerMs: number; now: () => number; onBatchClosed: ((topic: string, partition: number) => void) | undefined };
  readonly #queues = new Map<string, PartitionQueue>();
  #sequence = 0;
  #flushing = 0;

  constructor(options: AccumulatorOptions) {
    if (!(options.batchSize > 0)) throw new RangeError(`batchSize must be > 0 bytes, got ${options.batchSize}`);
    if (!(options.lingerMs >= 0)) throw new RangeError(`lingerMs must be >= 0, got ${options.lingerMs}`);
    this.#options = { batchSize: options.batchSize, lingerMs: options.lingerMs, now: options.now ?? Date.now, onBatchClosed: options.onBatchClosed };
  }

  /**
   * Appends records (already counted against buffer memory) to the partition's open batch, opening
   * new batches whenever batchSize would be exceeded; a record larger than batchSize gets a batch
   * of its own, as in Kafka. `resolve` gets the metadata of all `records`, in order, once every
   * batch they went into is acknowledged; `reject` gets the first failure.
   */
  append(topic: string, partition: number, records: readonly ProducerRecord[], resolve: (m: RecordMetadata[]) => void, reject: (e: Error) => void): void {
    const queue = this.#queue(topic, partition);
    const parts: Array<{ batch: ProducerBatch; from: number; to: number; size: number }> = [];
    let batch = queue.batches.at(-1);
    if (batch?.encoded !== undefined) batch = undefined;
    let from = 0;
    let size = 0;
    let added = batch?.sizeBytes ?? 0;
    for (let i = 0; i < records.length; i++) {
      const s = estimateRecordSize(records[i]!);
      if (!batch || (added + s > this.#options.batchSize && (batch.records.length > 0 || i > from))) {
        if (batch && i > from) parts.push({ batch, from, to: i, size });
        if (batch) this.#options.onBatchClosed?.(topic, partition);
        batch = new ProducerBatch(topic, partition, this.#sequence++, this.#options.now());
        queue.batches.push(batch);
        from = i;
        size = 0;
        added = batch.sizeBytes;
      }
      size += s;
      added += s;
    }
    if (batch && records.length > from) parts.push({ batch, from, to: records.length, size });
    if (parts.length === 1) {
      const p = parts[0]!;
      p.batch.add(records, p.size, resolve, reject);
    } else {
      const out: RecordMetadata[] = [];
      let left = parts.length;
      let failed = false;
      for (const p of parts) {
        p.batch.add(records.slice(p.from, p.to), p.size, (metas) => {
          for (let j = 0; j < metas.length; j++) out[p.from + j] = metas[j]!;
          if (--left === 0 && !failed) resolve(out);
        }, (err) => {
          if (!failed) reject(err);
          failed = true;
        });
      }
    }
    if (batch && batch.sizeBytes >= this.#options.batchSize) this.#options.onBatchClosed?.(topic, partition);
  }

  /** Makes every queued batch ready now, until the matching {@link endFlush}. */
  beginFlush(): void {
    this.#flushing++;
  }

  /** Ends a {@link beginFlush}. */
  endFlush(): void {
    this.#flushing = Math.max(0, this.#flushing - 1);
  }

  /** True while any batch is queued or on the wire. */
  get hasPending(): boolean {
    for (const q of this.#queues.values()) if (q.batches.length > 0 || q.inFlight > 0) return true;
    return false;
  }

  /**
   * Removes and returns the batches that may be sent now, oldest first per partition, and the
   * delay until the next batch becomes ready (Infinity when none is queued).
   * `accept(batch)` lets the sender refuse a batch (in-flight limit reached, leader unknown); a
   * refused batch stops its partition's queue so order holds. `force` makes every batch ready
   * (buffer memory exhausted, flush, close).
   */
  drain(accept: (batch: ProducerBatch) => boolean, force = false): { batches: ProducerBatch[]; nextReadyInMs: number } {
    const now = this.#options.now();
    const out: ProducerBatch[] = [];
    let nextReadyInMs = Infinity;
    const all = force || this.#flushing > 0;
    for (const q of this.#queues.values()) {
      if (q.muted) continue;
      while (q.batches.length > 0) {
        const batch = q.batches[0]!;
        if (batch.retryAtMs > now) {
          nextReadyInMs = Math.min(nextReadyInMs, batch.retryAtMs - now);
          break;
        }
        const full = q.batches.length > 1 || batch.encoded !== undefined || batch.sizeBytes >= this.#options.batchSize;
        const lingerLeft = batch.createdMs + this.#options.lingerMs - now;
        if (!all && !full && lingerLeft > 0) {
          nextReadyInMs = Math.min(nextReadyInMs, lingerLeft);
          break;
        }
        if (!accept(batch)) break;
        q.batches.shift();
        q.inFlight++;
        if (q.batches.length === 0 && batch.encoded === undefined) this.#options.onBatchClosed?.(q.topic, q.partition);
        out.push(batch);
      }
    }
    return { batches: out, nextReadyInMs };
  }

  /** A drained batch has settled (acknowledged or failed for good). */
  settled(batch: ProducerBatch): void {
    const q = this.#queue(batch.topic, batch.partition);
    q.inFlight = Math.max(0, q.inFlight - 1);
    if (q.inFlight === 0) q.muted = false;
    this.#gc(q);
  }

  /**
   * Puts a drained batch back for another attempt after `backoffMs`: at the head of its queue in
   * creation order, and mutes the partition until its other in-flight batches have settled (they
   * may come back too and must be re-queued in front of anything younger).
   */
  requeue(batch: ProducerBatch, backoffMs: number): void {
    const q = this.#queue(batch.topic, batch.partition);
    q.inFlight = Math.max(0, q.inFlight - 1);
    batch.retryAtMs = this.#options.now() + backoffMs;
    let i = 0;
    while (i < q.batches.length && q.batches[i]!.sequence < batch.sequence) i++;
    q.batches.splice(i, 0, batch);
    q.muted = q.inFlight > 0;
  }

  /**
   * Removes and returns queued (not in-flight) batches created before `cutoffMs`: they have used up
   * the delivery timeout (e.g. their partition has had no leader all that time).
   */
  expire(cutoffMs: number): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.#queues.values()) {
      while (q.batches.length > 0 && q.batches[0]!.createdMs < cutoffMs) out.push(q.batches.shift()!);
      this.#gc(q);
    }
    return out;
  }

  /** Removes and returns the queued (not in-flight) batches of one partition (it failed for good). */
  abortPartition(topic: string, partition: number): ProducerBatch[] {
    const q = this.#queues.get(`${topic}\u0000${partition}`);
    if (!q) return [];
    const out = q.batches;
    q.batches = [];
    this.#gc(q);
    return out;
  }

  /** Removes and returns every queued batch (close without flush, fatal errors). */
  abortAll(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.#queues.values()) {
      out.push(...q.batches);
      q.batches = [];
    }
    return out;
  }

  #queue(topic: string, partition: number): PartitionQueue {
    const key = `${topic}\u0000${partition}`;
    let q = this.#queues.get(key);
    if (!q) {
      q = { topic, partition, batches: [], inFlight: 0, muted: false };
      this.#queues.set(key, q);
    }
    return q;
  }

  #gc(q: PartitionQueue): void {
    if (q.batches.length === 0 && q.inFlight === 0) this.#queues.delete(`${q.topic}\u0000${q.partition}`);
  }
}
