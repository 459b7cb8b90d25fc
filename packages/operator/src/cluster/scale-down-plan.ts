import type { PartitionState } from '@runnel/metadata';

/** One reassignment to ask a partition's leader for. */
export interface ReassignmentRequest {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly target: readonly number[];
}

/** What a scale-down to `replicas` brokers needs done first. */
export interface ScaleDownPlan {
  /** Partitions whose replication factor the remaining brokers cannot hold (`<topic>-<p> (RF n)`): the scale-down is refused. */
  readonly impossible: readonly string[];
  /** Partitions that still have (or are asked to get) a replica on a leaving broker. */
  readonly moving: readonly string[];
  /** Targets to record now: partitions on leaving brokers with no acceptable target pending. */
  readonly requests: readonly ReassignmentRequest[];
}

/**
 * Plans the moves a scale-down to `replicas` brokers (ids `0..replicas-1` remain) needs, from the
 * partition Leases alone, so it is level-triggered and resumes after an operator restart: a
 * partition whose replica list (or pending target) names a leaving broker gets a target that keeps
 * its surviving replicas first, in their order (so a surviving replica takes over leadership, and
 * the preferred leader changes only where it leaves), and fills the replication factor from the
 * remaining brokers. A new replica goes, in this order of preference, to a broker whose rack the
 * partition does not use yet (rack awareness, as `assignReplicas` places one replica per rack),
 * then to the broker holding the fewest replicas so far (balance, counted over every partition
 * with the planned moves), then to the lowest id. Placement of whole topics stays with
 * `assignReplicas`; this moves as few replicas as possible.
 *
 * A partition whose target already avoids the leaving brokers is in progress: nothing is asked.
 */
export function planScaleDown(replicas: number, partitions: readonly PartitionState[], racks?: Readonly<Record<number, string>>): ScaleDownPlan {
  const remaining = Array.from({ length: replicas }, (_, i) => i);
  const leaving = (id: number): boolean => id >= replicas;
  const impossible: string[] = [];
  const moving: string[] = [];
  const requests: ReassignmentRequest[] = [];
  // Replicas per remaining broker, as they will be once every partition reaches its target.
  const load = new Map<number, number>(remaining.map((id) => [id, 0]));
  for (const p of partitions) for (const id of desired(p)) if (!leaving(id)) load.set(id, (load.get(id) ?? 0) + 1);
  const rackOf = (id: number): string => racks?.[id] ?? '';
  for (const p of [...partitions].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
    const base = desired(p);
    const name = `${p.topic}-${p.partition}`;
    if (!base.some(leaving)) {
      if (p.replicas.some(leaving)) moving.push(name);
      continue;
    }
    moving.push(name);
    if (base.length > replicas) {
      impossible.push(`${name} (RF ${base.length})`);
      continue;
    }
    const target = base.filter((id) => !leaving(id));
    while (target.length < base.length) {
      const usedRacks = new Set(target.map(rackOf));
      const candidates = remaining.filter((id) => !target.includes(id));
      candidates.sort((a, b) => Number(usedRacks.has(rackOf(a))) - Number(usedRacks.has(rackOf(b))) || (load.get(a) ?? 0) - (load.get(b) ?? 0) || a - b);
      const pick = candidates[0] as number;
      target.push(pick);
      load.set(pick, (load.get(pick) ?? 0) + 1);
    }
    requests.push({ topic: p.topic, partition: p.partition, topicId: p.topicId, target });
  }
  return { impossible, moving, requests };
}

/** The replica list a partition is heading for: its pending target, else its replicas. */
function desired(p: PartitionState): readonly number[] {
  return p.targetReplicas ?? p.replicas;
}
