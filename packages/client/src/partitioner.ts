import { murmur2, toPositive } from './murmur2.ts';

/**
 * Chooses the partition of a record, as Kafka's default partitioner does:
 * - keyed records: `toPositive(murmur2(key)) % numPartitions`, byte-compatible with the Java client,
 *   so the same key maps to the same partition whatever client wrote it;
 * - records without a key: the sticky partitioner of KIP-480 — stick to one partition until its
 *   batch is closed, then move to another. This fills batches instead of spreading a trickle of
 *   records into many tiny batches, which is what made round-robin slow.
 */
export class DefaultPartitioner {
  readonly #sticky = new Map<string, number>();
  readonly #random: () => number;

  /** @param random Source of randomness in [0, 1), injectable for tests. */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** The partition for a record of `topic` with `key` (null = no key) among `numPartitions`. */
  partition(topic: string, key: Uint8Array | null, numPartitions: number): number {
    if (!Number.isInteger(numPartitions) || numPartitions < 1) {
      throw new RangeError(`Cannot choose a partition of topic ${topic}: it has ${numPartitions} partitions`);
    }
    if (key !== null) return toPositive(murmur2(key)) % numPartitions;
    const current = this.#sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.#choose(topic, numPartitions, -1);
  }

  /**
   * Called by the accumulator when the batch of the sticky partition `closedPartition` is closed
   * (full or sent): later keyless records of `topic` go to a different partition.
   * Calls about a partition that is no longer the sticky one are ignored (KIP-480's rule), so a
   * keyed record that filled a batch does not make keyless records jump twice.
   */
  onBatchClosed(topic: string, closedPartition: number, numPartitions: number): void {
    if (this.#sticky.get(topic) !== closedPartition) return;
    this.#choose(topic, numPartitions, closedPartition);
  }

  #choose(topic: string, numPartitions: number, avoid: number): number {
    let next = Math.floor(this.#random() * numPartitions);
    if (numPartitions > 1 && next === avoid) {
      // Any other partition, uniformly: shift by 1..n-1.
      next = (avoid + 1 + Math.floor(this.#random() * (numPartitions - 1))) % numPartitions;
    }
    this.#sticky.set(topic, next);
    return next;
  }
}
