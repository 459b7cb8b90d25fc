import { MetadataStoreError, isMetadataStoreError } from './errors.ts';
import type { MetadataStore, Versioned } from './metadata-store.ts';
import { partitionStateName, type PartitionState } from './topic-model.ts';

/** Options of {@link requestReassignment}. */
export interface RequestReassignmentOptions {
  /** Only this topic incarnation: NOT_FOUND when the partition record belongs to another one. */
  readonly topicId?: string;
  /** Compare-and-swap attempts before giving up with CONFLICT. @default 10 */
  readonly maxConflicts?: number;
}

/** What {@link requestReassignment} found or did. */
export interface RequestReassignmentResult {
  /** The partition record as it is after the request. */
  readonly partition: Versioned<PartitionState>;
  /** False when nothing had to be written: the replicas are already the target, or that target is already pending. */
  readonly written: boolean;
}

/**
 * Asks a partition's leader to move its replicas to `target` (the order is kept; the first is the
 * preferred leader), as Kafka's AlterPartitionReassignments (KIP-455). It only records the target
 * in the partition record (`targetReplicas`, by compare-and-swap, partitionEpoch + 1); it never
 * touches the holder, the replicas or the ISR (DESIGN.md §6 rule 10). The leader carries it out:
 * it adds the targets to the replicas, waits until they are in the ISR, hands leadership over if
 * it is not a target itself, then removes the other replicas and clears the target.
 *
 * The record's `proposalId` is left as it is, so a broker settling a write of its own with an
 * unknown outcome (rule 7) still recognises it under this one. This request's own unknown outcomes
 * are settled by re-reading: the target is either there or derived again. A later request replaces
 * a pending one.
 * @throws MetadataStoreError INVALID for a target that is empty, has duplicates or ids that are not
 *   non-negative integers; NOT_FOUND when there is no such partition (of `topicId`); CONFLICT after
 *   `maxConflicts` lost races.
 */
export async function requestReassignment(store: MetadataStore, topic: string, partition: number, target: readonly number[], options: RequestReassignmentOptions = {}): Promise<RequestReassignmentResult> {
  const name = partitionStateName(topic, partition);
  validateTarget(name, target);
  const maxConflicts = options.maxConflicts ?? 10;
  for (let attempt = 0; ; attempt++) {
    const read = await store.partitions.get(name);
    if (read === undefined || (options.topicId !== undefined && read.value.topicId !== options.topicId)) {
      throw new MetadataStoreError('NOT_FOUND', `Cannot reassign ${name}: no such partition${options.topicId !== undefined ? ` of topic id ${options.topicId}` : ''}`);
    }
    const state = read.value;
    const pending = state.targetReplicas ?? null;
    if ((pending !== null && sameList(pending, target)) || (pending === null && sameList(state.replicas, target))) return { partition: read, written: false };
    const next: PartitionState = { ...state, targetReplicas: [...target], partitionEpoch: state.partitionEpoch + 1 };
    try {
      return { partition: await store.partitions.update(name, next, read.resourceVersion), written: true };
    } catch (err) {
      const retriable = isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'UNKNOWN_OUTCOME');
      if (!retriable || attempt >= maxConflicts) throw err;
      // CONFLICT: someone else wrote first. UNKNOWN_OUTCOME: the next read shows the target if it landed (rule 7).
    }
  }
}

/** The INVALID error for a malformed target, thrown; nothing when it is well formed. */
function validateTarget(name: string, target: readonly number[]): void {
  if (!Array.isArray(target) || target.length === 0) throw new MetadataStoreError('INVALID', `Cannot reassign ${name}: the target replica list is empty`);
  const bad = target.filter((id) => !Number.isInteger(id) || id < 0);
  if (bad.length > 0) throw new MetadataStoreError('INVALID', `Cannot reassign ${name}: broker ids must be non-negative integers, got ${bad.map(String).join(', ')}`);
  const dup = target.filter((id, i) => target.indexOf(id) !== i);
  if (dup.length > 0) throw new MetadataStoreError('INVALID', `Cannot reassign ${name}: broker ${dup[0]} appears more than once in the target [${target.join(', ')}]`);
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
