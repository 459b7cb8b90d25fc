import type { KubernetesObject } from '@kubernetes/client-node';
import { CLUSTER_LABEL, LEASE_KIND_LABEL, decodePartitionLease, type KubeObject, type PartitionState } from '@runnel/metadata';
import type { InformerGroup } from './informer-group.ts';

/** Live health of a set of partitions, as their Leases show it. */
export interface PartitionHealth {
  readonly partitions: number;
  /** ISR smaller than the replica list. */
  readonly underReplicated: number;
  /** No leader. */
  readonly offline: number;
}

/**
 * Partition states read from the Lease informer's cache (decoded once per Lease version). The
 * operator reads partition state only from here: it never writes a holder or an ISR (DESIGN §6 rule 10).
 */
export class PartitionView {
  readonly #leases: InformerGroup;
  readonly #decoded = new Map<string, { resourceVersion: string; state: PartitionState | undefined }>();

  constructor(leases: InformerGroup) {
    this.#leases = leases;
  }

  /** Every partition of `cluster` in `namespace`, with its Lease object. */
  partitions(namespace: string, cluster: string): Array<{ lease: KubernetesObject; state: PartitionState }> {
    const out: Array<{ lease: KubernetesObject; state: PartitionState }> = [];
    for (const lease of this.#leases.list(namespace)) {
      const labels = lease.metadata?.labels;
      if (labels?.[CLUSTER_LABEL] !== cluster || labels[LEASE_KIND_LABEL] !== 'partition') continue;
      const state = this.#decode(lease);
      if (state !== undefined) out.push({ lease, state });
    }
    return out;
  }

  /** The partitions of one topic (by its Kafka name), sorted by partition number. */
  topicPartitions(namespace: string, cluster: string, topic: string): Array<{ lease: KubernetesObject; state: PartitionState }> {
    return this.partitions(namespace, cluster)
      .filter((p) => p.state.topic === topic)
      .sort((a, b) => a.state.partition - b.state.partition);
  }

  #decode(lease: KubernetesObject): PartitionState | undefined {
    const key = lease.metadata?.uid ?? `${lease.metadata?.namespace}/${lease.metadata?.name}`;
    const rv = lease.metadata?.resourceVersion ?? '';
    const hit = this.#decoded.get(key);
    if (hit !== undefined && hit.resourceVersion === rv) return hit.state;
    let state: PartitionState | undefined;
    try {
      state = decodePartitionLease(lease as unknown as KubeObject);
    } catch {
      state = undefined; // not a Lease the store wrote: ignored
    }
    this.#decoded.set(key, { resourceVersion: rv, state });
    if (this.#decoded.size > 4 * (this.#leases.list().length + 64)) this.#decoded.clear();
    return state;
  }
}

/** Counts of a set of partition states. */
export function partitionHealth(states: readonly PartitionState[]): PartitionHealth {
  let underReplicated = 0;
  let offline = 0;
  for (const s of states) {
    if (s.isr.length < s.replicas.length) underReplicated++;
    if (s.holder === null) offline++;
  }
  return { partitions: states.length, underReplicated, offline };
}
