/** Options of {@link assignReplicas}. */
export interface AssignReplicasOptions {
  /** Index into `brokers` of partition 0's leader. @default random */
  readonly startIndex?: number;
  /** Offset of the second replica from the leader. @default random */
  readonly replicaShift?: number;
  /**
   * Rack of each broker id. With two or more racks, placement is rack-aware: one replica per rack
   * while racks remain, leaders still round-robin (Kafka's rack-aware assignment). A broker
   * missing from the map has rack `""`. @default rack-unaware
   */
  readonly racks?: Readonly<Record<number, string>>;
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
  const rackOf = (id: number): string => options.racks?.[id] ?? '';
  const rackCount = new Set(sorted.map(rackOf)).size;
  if (options.racks !== undefined && rackCount > 1) {
    return rackAware(partitions, replicationFactor, sorted, rackOf, rackCount, sorted[startIndex % n] as number, shift);
  }
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

/**
 * Kafka's rack-aware assignment (AdminUtils.assignReplicasToBrokersRackAware): brokers are listed
 * alternating between racks, leaders go round-robin over that list, and each follower is the next
 * broker (by the shifting offset) whose rack has no replica of the partition yet, until every rack
 * has one; then any broker not yet used.
 */
function rackAware(partitions: number, replicationFactor: number, sorted: readonly number[], rackOf: (id: number) => string, rackCount: number, firstLeader: number, initialShift: number): number[][] {
  const n = sorted.length;
  const byRack = new Map<string, number[]>();
  for (const id of sorted) byRack.set(rackOf(id), [...(byRack.get(rackOf(id)) ?? []), id]);
  const racks = [...byRack.keys()].sort();
  const arranged: number[] = [];
  for (let i = 0; arranged.length < n; i++) {
    for (const rack of racks) {
      const id = byRack.get(rack)?.[i];
      if (id !== undefined) arranged.push(id);
    }
  }
  const startIndex = arranged.indexOf(firstLeader);
  let shift = initialShift;
  const result: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + startIndex) % n;
    const leader = arranged[first] as number;
    const replicas = [leader];
    const usedRacks = new Set([rackOf(leader)]);
    for (let k = 0; replicas.length < replicationFactor; k++) {
      const candidate = arranged[(first + 1 + ((shift * rackCount + k) % (n - 1))) % n] as number;
      const rackFree = !usedRacks.has(rackOf(candidate)) || usedRacks.size === rackCount;
      if (rackFree && !replicas.includes(candidate)) {
        replicas.push(candidate);
        usedRacks.add(rackOf(candidate));
      }
    }
    result.push(replicas);
  }
  return result;
}
