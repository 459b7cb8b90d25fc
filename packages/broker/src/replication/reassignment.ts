import type { PartitionState, ReplicaIdentity } from '@runnel/metadata';

/**
 * The leader's next step toward a partition's `targetReplicas` (leader-driven reassignment, as
 * Kafka's KIP-455), derived from the partition record alone, so whichever replica leads (after a
 * failover or a handover) carries on from where the record is:
 *
 * 1. `add`: the targets not yet replicas join the replica list (they open the partition and fetch);
 * 2. `wait`: until every target is in the ISR (only the leader adds to the ISR, rule 6);
 * 3. `handover`: a leader that is not a target hands leadership to the first target (rule 10);
 * 4. `complete`: the replica list becomes the target, the other replicas leave it and the ISR in
 *    the same CAS, and the target is cleared. A target that only reorders the replicas (or names
 *    the same ones) completes at once.
 */
export type ReassignmentStep =
  | { readonly kind: 'none' }
  | { readonly kind: 'add'; readonly replicas: readonly number[] }
  | { readonly kind: 'wait'; readonly missing: readonly number[] }
  | { readonly kind: 'handover'; readonly to: number }
  | { readonly kind: 'complete'; readonly replicas: readonly number[]; readonly isr: readonly ReplicaIdentity[] };

export function nextReassignmentStep(state: PartitionState, leaderId: number): ReassignmentStep {
  const target = state.targetReplicas;
  if (target === undefined || target === null || target.length === 0 || new Set(target).size !== target.length) return { kind: 'none' };
  const adding = target.filter((id) => !state.replicas.includes(id));
  // Targets first in their order (the preferred leader stays first), the leaving replicas after them.
  if (adding.length > 0) return { kind: 'add', replicas: [...target, ...state.replicas.filter((id) => !target.includes(id))] };
  const removing = state.replicas.filter((id) => !target.includes(id));
  if (removing.length > 0) {
    const missing = target.filter((id) => !state.isr.some((m) => m.id === id));
    if (missing.length > 0) return { kind: 'wait', missing };
    if (!target.includes(leaderId)) return { kind: 'handover', to: target[0] as number };
  }
  return { kind: 'complete', replicas: [...target], isr: state.isr.filter((m) => target.includes(m.id)) };
}
