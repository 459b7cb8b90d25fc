import type { PartitionKey } from './partition-key.ts';

/** Where a member is in reaching its target assignment (Kafka's `MemberState`). */
export type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

/** A member's current assignment, as the coordinator keeps it. */
export interface MemberAssignment {
  /** The epoch of the last assignment given to the member. */
  readonly memberEpoch: number;
  /** The epoch before the last bump: a member whose bumped response was lost may still use it. */
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** Partitions the member may consume, each with the member epoch it was assigned at (KIP-1251). */
  readonly assigned: ReadonlyMap<PartitionKey, number>;
  /** Partitions taken away that the member still owns until it reports them released. */
  readonly pendingRevocation: ReadonlyMap<PartitionKey, number>;
}

/** A member that has just joined: epoch 0, nothing assigned. */
export const JOINING: MemberAssignment = Object.freeze({
  memberEpoch: 0,
  previousMemberEpoch: 0,
  state: 'STABLE',
  assigned: new Map(),
  pendingRevocation: new Map(),
});

/** What one reconciliation step knows besides the member's own assignment. */
export interface ReconcileInput {
  /** The member's target partitions. */
  readonly target: ReadonlySet<PartitionKey>;
  /** The epoch the target was computed for (the assignment epoch). */
  readonly targetEpoch: number;
  /** The partitions the member says it owns in this heartbeat; `undefined` when it did not say. */
  readonly ownedByClient: ReadonlySet<PartitionKey> | undefined;
  /** Whether another member still owns `key` (assigned, or pending its revocation). */
  readonly ownedByOther: (key: PartitionKey) => boolean;
}

/**
 * One step of KIP-848's `CurrentAssignmentBuilder`: revoke first, then assign.
 *
 * - Partitions no longer in the target are revoked; while the member still reports owning any of
 *   them, it stays `UNREVOKED_PARTITIONS` at its epoch and is given only what it keeps.
 * - A target partition that another member still owns is *unreleased*: it is never handed out
 *   until its previous owner has given it up. That is the invariant that no partition is owned
 *   by two members at once.
 * - Otherwise the member moves to the target epoch with every free target partition.
 */
export function reconcileMember(current: MemberAssignment, input: ReconcileInput): MemberAssignment {
  let base = current;
  if (current.state === 'UNREVOKED_PARTITIONS') {
    if (stillOwnsAny(input.ownedByClient, current.pendingRevocation.keys())) return current;
    base = { ...current, pendingRevocation: new Map(), state: 'STABLE' };
  }
  if (base.memberEpoch === input.targetEpoch && base.state === 'STABLE' && sameKeys(base.assigned, input.target)) return base;

  const kept = new Map<PartitionKey, number>();
  const revoke = new Map<PartitionKey, number>();
  for (const [key, epoch] of base.assigned) (input.target.has(key) ? kept : revoke).set(key, epoch);
  if (revoke.size > 0 && stillOwnsAny(input.ownedByClient, revoke.keys())) {
    return { memberEpoch: base.memberEpoch, previousMemberEpoch: base.previousMemberEpoch, state: 'UNREVOKED_PARTITIONS', assigned: kept, pendingRevocation: revoke };
  }
  let unreleased = false;
  for (const key of input.target) {
    if (kept.has(key)) continue;
    if (input.ownedByOther(key)) unreleased = true;
    else kept.set(key, input.targetEpoch);
  }
  const bumped = base.memberEpoch !== input.targetEpoch;
  return {
    memberEpoch: input.targetEpoch,
    previousMemberEpoch: bumped ? base.memberEpoch : base.previousMemberEpoch,
    state: unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE',
    assigned: kept,
    pendingRevocation: new Map(),
  };
}

/** With no report from the client, assume it still owns what it was given. */
function stillOwnsAny(owned: ReadonlySet<PartitionKey> | undefined, keys: Iterable<PartitionKey>): boolean {
  for (const key of keys) if (owned === undefined || owned.has(key)) return true;
  return false;
}

function sameKeys(a: ReadonlyMap<PartitionKey, unknown>, b: ReadonlySet<PartitionKey>): boolean {
  if (a.size !== b.size) return false;
  for (const key of b) if (!a.has(key)) return false;
  return true;
}
