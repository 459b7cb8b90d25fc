import type { ProducerRecord } from '@runnel/protocol';

/** Where a record was written: the answer of `Producer.send`. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
  /** The record's create time, or the broker's append time on LogAppendTime topics. */
  timestamp: number;
}

/** Fixed bytes of a RecordBatch v2 header (the protocol's RECORD_BATCH_HEADER_BYTES). */
export const BATCH_OVERHEAD_BYTES = 61;

/**
 * Upper-bound estimate of one record's encoded size: the varint fields of a record are at most
 * 21 bytes (length 5, attributes 1, timestampDelta 10 is impossible below 2^53 but we stay
 * generous) plus key, value and headers. Used for batch.size and buffer memory accounting, where
 * over-estimating is safe and decoding-exact sizes would cost a second pass.
 */
export function estimateRecordSize(record: ProducerRecord): number {
  let size = 21 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  if (record.headers) for (const h of record.headers) size += 10 + Buffer.byteLength(h.key) + (h.value?.length ?? 0);
  return size;
}

interface Completion {
  first: number;
  count: number;
  resolve: (metadata: RecordMetadata[]) => void;
  reject: (err: Error) => void;
}

/**
 * The records of one partition that travel together as one RecordBatch. Created by the
 * accumulator, encoded once when drained (the bytes are reused by every retry, so a retried batch is
 * byte-identical) and completed exactly once.
 */
export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  /** Creation order across the whole producer; retries re-queue batches in this order. */
  readonly sequence: number;
  readonly createdMs: number;
  readonly records: ProducerRecord[] = [];
  /** Estimated encoded bytes, including the batch header (what buffer memory accounts for). */
  sizeBytes = BATCH_OVERHEAD_BYTES;
  /** Send attempts so far. */
  attempts = 0;
  /** Set once drained: the encoded RecordBatch. */
  encoded: Buffer | undefined;
  /** When set, the batch is not sent before this time (retry back-off). */
  retryAtMs = 0;
  /** Idempotence (stamped once, before the first send; -1 when not idempotent). */
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  #completions: Completion[] = [];
  #done = false;

  constructor(topic: string, partition: number, sequence: number, createdMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.sequence = sequence;
    this.createdMs = createdMs;
  }

  /** Whether the batch has been completed or failed. */
  get done(): boolean {
    return this.#done;
  }

  /** Adds records; `onResult` is settled with their metadata, in the order given. */
  add(records: readonly ProducerRecord[], size: number, resolve: Completion['resolve'], reject: Completion['reject']): void {
    this.#completions.push({ first: this.records.length, count: records.length, resolve, reject });
    for (const r of records) this.records.push(r);
    this.sizeBytes += size;
  }

  /** Resolves every send of this batch: record i got offset `baseOffset + i`. */
  complete(baseOffset: number, logAppendTime: number): void {
    if (this.#done) return;
    this.#done = true;
    for (const c of this.#completions) {
      const out: RecordMetadata[] = new Array<RecordMetadata>(c.count);
      for (let i = 0; i < c.count; i++) {
        const rec = this.records[c.first + i]!;
        out[i] = {
          topic: this.topic,
          partition: this.partition,
          offset: baseOffset < 0 ? -1 : baseOffset + c.first + i,
          timestamp: logAppendTime >= 0 ? logAppendTime : (rec.timestamp ?? this.createdMs),
        };
      }
      c.resolve(out);
    }
    this.#completions = [];
  }

  /** Rejects every send of this batch with `err`. */
  fail(err: Error): void {
    if (this.#done) return;
    this.#done = true;
    for (const c of this.#completions) c.reject(err);
    this.#completions = [];
  }
}
