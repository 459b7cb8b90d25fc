import { RunnelError } from '@runnel/protocol';

/** A producer identity from InitProducerId. */
export interface ProducerIdentity {
  readonly producerId: number;
  readonly producerEpoch: number;
}

/** What the idempotence state needs to know of a batch. */
export interface SequencedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: { readonly length: number };
  /** -1 until stamped. */
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
}

/** Largest sequence number before it wraps to 0 (Kafka: int32). */
const MAX_SEQUENCE = 2 ** 31 - 1;

/**
 * The idempotent producer's state (Kafka's TransactionManager without transactions, DESIGN.md §6
 * rule 11): one producer id and epoch from InitProducerId, and per partition the next sequence
 * number. A batch is stamped once, when first sent, and every retry sends the same bytes, so the
 * leader — the same or a new one after failover, which rebuilds producer state from its log —
 * answers a retry of an appended batch with its original offset instead of appending it again,
 * and rejects a batch whose predecessor is missing (OUT_OF_ORDER_SEQUENCE) so retries cannot
 * reorder a partition.
 *
 * Invariant: batches of one producer id are never interleaved with batches of another in a
 * partition. When a stamped batch fails for good, its sequence leaves a gap that the broker will
 * never fill, so the producer takes a new id — but only once no batch stamped with the old id is
 * still queued or in flight ({@link mayStamp} holds new batches back until then).
 */
export class IdempotenceState {
  #identity: ProducerIdentity | undefined;
  readonly #nextSequence = new Map<string, number>();
  /**
   * Per partition, the stamped batches from the oldest unsettled one to the newest, in sequence
   * order: the span the broker's deduplication window must cover (settled batches behind an
   * unsettled one still occupy the broker's window, so they stay until the older one settles).
   */
  readonly #window = new Map<string, Array<{ seq: number; settled: boolean }>>();
  #unresolvedCount = 0;
  #resetPending = false;
  #initializing = false;

  /** The current identity, if any. */
  get identity(): ProducerIdentity | undefined {
    return this.#identity;
  }

  /** True while a new identity must be fetched before new batches may be stamped. */
  get needsIdentity(): boolean {
    return (this.#identity === undefined || this.#resetPending) && !this.#initializing && this.#unresolvedCount === 0;
  }

  /** Whether a batch never sent before may be stamped and sent now. */
  mayStamp(): boolean {
    return this.#identity !== undefined && !this.#resetPending && !this.#initializing;
  }

  /**
   * Fetches an identity with `init` (called only when {@link needsIdentity}); sequences restart at 0.
   * Rejects with init's error (the caller retries with back-off).
   */
  async initialize(init: () => Promise<ProducerIdentity>): Promise<void> {
    if (!this.needsIdentity) return;
    this.#initializing = true;
    try {
      const identity = await init();
      if (!(identity.producerId >= 0) || !(identity.producerEpoch >= 0)) {
        throw new RunnelError('UNKNOWN_SERVER_ERROR', `InitProducerId returned an invalid producer id ${identity.producerId} / epoch ${identity.producerEpoch}`);
      }
      this.#identity = identity;
      this.#nextSequence.clear();
      this.#resetPending = false;
    } finally {
      this.#initializing = false;
    }
  }

  /** Stamps a batch on its first send: the identity and the partition's next sequence. */
  stamp(batch: SequencedBatch): void {
    const identity = this.#identity;
    if (identity === undefined || !this.mayStamp()) throw new Error('Cannot stamp a batch without a current producer id (mayStamp() is false)');
    const key = keyOf(batch);
    const base = this.#nextSequence.get(key) ?? 0;
    batch.producerId = identity.producerId;
    batch.producerEpoch = identity.producerEpoch;
    batch.baseSequence = base;
    this.#nextSequence.set(key, (base + batch.records.length) % (MAX_SEQUENCE + 1));
    const list = this.#window.get(key) ?? [];
    list.push({ seq: base, settled: false });
    this.#window.set(key, list);
    this.#unresolvedCount++;
  }

  /**
   * Whether a new batch of `batch`'s partition may be stamped without leaving the broker's
   * deduplication window: brokers remember the last `window` batches per producer and partition,
   * so at most that many batches may have been stamped since the oldest unsettled one (in flight
   * or waiting for a retry) — else a retry of it could no longer be recognised as a duplicate.
   */
  hasRoom(batch: { topic: string; partition: number }, window: number): boolean {
    return (this.#window.get(keyOf(batch))?.length ?? 0) < window;
  }

  /**
   * OUT_OF_ORDER_SEQUENCE on `batch` is expected (and the batch is to be retried) while an older
   * batch of the same partition and producer id is unresolved: the broker has not seen it yet
   * because it is being retried itself.
   */
  hasOlderUnresolved(batch: SequencedBatch): boolean {
    if (batch.producerId !== this.#identity?.producerId) return false;
    const first = this.#window.get(keyOf(batch))?.[0];
    return first !== undefined && first.seq !== batch.baseSequence;
  }

  /** A stamped batch was acknowledged. */
  acknowledged(batch: SequencedBatch): void {
    this.#resolve(batch);
  }

  /** A stamped batch failed for good: its sequence is a gap, so the producer needs a new id. */
  failed(batch: SequencedBatch): void {
    if (this.#resolve(batch)) this.#resetPending = true;
  }

  #resolve(batch: SequencedBatch): boolean {
    if (batch.baseSequence < 0) return false;
    const key = keyOf(batch);
    const list = this.#window.get(key);
    const entry = list?.find((e) => e.seq === batch.baseSequence && !e.settled);
    if (list === undefined || entry === undefined) return false;
    entry.settled = true;
    while (list[0]?.settled === true) list.shift();
    if (list.length === 0) this.#window.delete(key);
    this.#unresolvedCount--;
    return true;
  }
}

function keyOf(batch: { topic: string; partition: number }): string {
  return `${batch.topic}\u0000${batch.partition}`;
}
