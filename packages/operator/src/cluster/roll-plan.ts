import type { PartitionState } from '@runnel/metadata';
import type { BrokerPod } from './broker-pods.ts';

/** What the roll does next. */
export type RollStep =
  | { readonly action: 'none' }
  | { readonly action: 'wait'; readonly reason: string; readonly message: string }
  | { readonly action: 'restart'; readonly broker: BrokerPod; readonly message: string };

const example = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? `, and ${names.length - 3} more` : ''}`;

/**
 * The next step of a safe rolling restart (the StatefulSet updates `OnDelete`; the operator
 * deletes one pod at a time). Level-triggered: it is derived from the pods' revisions and the
 * partition Leases only, so it resumes wherever an operator restart left it, and it never times
 * out — it waits and says why.
 *
 * A broker is restarted only when every broker pod is Ready, every broker is back in the ISR of
 * every partition it replicates with its current brokerEpoch (the check after the previous
 * restart), and stopping it would
 * leave each of its partitions with at least one in-sync replica and at least its
 * min.insync.replicas (the check before). Highest broker id first.
 */
export function planRoll(
  pods: readonly BrokerPod[],
  desiredReplicas: number,
  partitions: readonly PartitionState[],
  minIsrOf: (topic: string) => number,
  brokerEpochs: ReadonlyMap<number, number> = new Map(),
): RollStep {
  // An ISR entry counts only for the broker's current incarnation: right after a restart the ISR
  // may still list the previous one.
  const inIsr = (p: PartitionState, id: number): boolean => p.isr.some((r) => r.id === id && (brokerEpochs.get(id) === undefined || brokerEpochs.get(id) === r.brokerEpoch));
  const outdated = pods.filter((p) => !p.updated);
  if (outdated.length === 0) return { action: 'none' };
  const progress = `${pods.length - outdated.length} of ${pods.length} brokers updated`;
  const notReady = pods.filter((p) => !p.ready || p.terminating);
  if (notReady.length > 0 || pods.length < desiredReplicas) {
    const which = notReady.map((p) => p.name);
    return { action: 'wait', reason: 'WaitingForBrokers', message: `Rolling restart (${progress}): waiting for ${which.length > 0 ? `${example(which)} to become Ready` : `${desiredReplicas - pods.length} broker pod(s) to exist`}.` };
  }
  const behind: string[] = [];
  for (const p of partitions) {
    for (const id of p.replicas) if (!inIsr(p, id) && pods.some((b) => b.id === id)) behind.push(`${p.topic}-${p.partition} (broker ${id})`);
  }
  if (behind.length > 0) {
    return { action: 'wait', reason: 'WaitingForIsr', message: `Rolling restart (${progress}): waiting for brokers to rejoin the ISR of ${behind.length} partition(s): ${example(behind)}.` };
  }
  const blocked: string[] = [];
  for (const candidate of [...outdated].sort((a, b) => b.id - a.id)) {
    const unsafe: string[] = [];
    for (const p of partitions) {
      if (!p.isr.some((r) => r.id === candidate.id)) continue;
      const remaining = p.isr.length - 1;
      const minIsr = minIsrOf(p.topic);
      if (remaining < 1 || remaining < minIsr) unsafe.push(`${p.topic}-${p.partition} (ISR ${p.isr.length} → ${remaining}, min.insync.replicas ${minIsr})`);
    }
    if (unsafe.length === 0) return { action: 'restart', broker: candidate, message: `Rolling restart (${progress}): restarting broker ${candidate.id} (pod ${candidate.name}) to apply the new pod template.` };
    blocked.push(`broker ${candidate.id}: ${example(unsafe)}`);
  }
  return {
    action: 'wait',
    reason: 'RestartWouldBreakMinIsr',
    message: `Rolling restart (${progress}) is waiting: restarting any remaining broker would leave a partition below its min.insync.replicas or without an in-sync replica (${blocked.join('; ')}). Raise the replication factor or lower minInsyncReplicas of those topics, or bring the missing replicas back.`,
  };
}

/**
 * Partitions that still have replicas on the brokers a scale-down to `replicas` would remove (ids
 * `replicas` and up). Removing those brokers first would strand them.
 */
export function replicasOnRemovedBrokers(replicas: number, partitions: readonly PartitionState[]): string[] {
  return partitions.filter((p) => p.replicas.some((id) => id >= replicas)).map((p) => `${p.topic}-${p.partition}`);
}
