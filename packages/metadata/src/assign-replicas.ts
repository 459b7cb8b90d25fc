/** Options of {@link assignReplicas}. */
export interface AssignReplicasOptions {
  /** Index into `brokers` of partition 0's leader. @default random */
  readonly startIndex?: number;
  /** Offset of the second replica from the leader. @default random */
  readonly replicaShift?: number;
}

/**
 * Places `replicationFactor` replicas of each of `partitions` partitions on `brokers`, as Kafka's
 * rack-unaware assignment does: leaders go round-robin from a (random) start index, so leaders
 * spread evenly and topics created one after another do not all start on the same broker; the
 * followers of partition p sit at a shift from its leader that grows by one every time the
 * partitions wrap around the brokers, so replicas of one broker are spread over the others too.
 * The first replica of each list is the preferred leader.
 * @throws RangeError when the inputs cannot be satisfied (callers validate first, with a clearer error).
 */
export function assignReplicas(
  partitions: number,
  replicationFactor: number,
  brokers: readonly number[],
  options: AssignReplicasOptions = {},
): number[][] {
  const n = brokers.length;
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be >= 1, got ${partitions}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > n) {
    throw new RangeError(`replication factor ${replicationFactor} needs 1..${n} brokers`);
  }
  const sorted = [...brokers].sort((a, b) => a - b);
  const startIndex = options.startIndex ?? Math.floor(Math.random() * n);
  let shift = options.replicaShift ?? Math.floor(Math.random() * n);
  const result: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + startIndex) % n;
    const replicas = [sorted[first] as number];
    for (let j = 0; j < replicationFactor - 1; j++) {
      const offset = 1 + ((shift + j) % (n - 1));
      replicas.push(sorted[(first + offset) % n] as number);
    }
    result.push(replicas);
  }
  return result;
}
