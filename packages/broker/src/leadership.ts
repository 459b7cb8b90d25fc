import { isMetadataStoreError, type MetadataStore, type PartitionState, type Versioned } from '@runnel/metadata';
import type { PartitionReplica } from './partition-replica.ts';

/**
 * Decides leadership of the partitions a broker hosts and records it in the metadata store. The
 * registry calls it after every reconcile of an open replica; a returned state was written by CAS
 * and is applied at once (the store's watch event follows). Local mode uses
 * {@link FirstReplicaLeadership}; replication (issue 4) brings Lease elections behind this seam.
 */
export interface LeadershipDriver {
  /** Returns the new state when this broker took leadership, undefined when nothing changed. */
  onPartition(replica: PartitionReplica, current: Versioned<PartitionState>): Promise<PartitionState | undefined>;
}

/**
 * Local-mode leadership for RF=1: the first replica takes an unheld partition, and a restarted
 * broker re-takes the partitions its previous incarnation held with the next leader epoch (a new
 * incarnation is a new leader, so every epoch has exactly one holder, DESIGN.md S7). A lost CAS is
 * not an error: the winner's record arrives by watch and triggers another reconcile.
 */
export class FirstReplicaLeadership implements LeadershipDriver {
  readonly #brokerId: number;
  readonly #brokerEpoch: number;
  readonly #store: MetadataStore;

  constructor(options: { brokerId: number; brokerEpoch: number; store: MetadataStore }) {
    this.#brokerId = options.brokerId;
    this.#brokerEpoch = options.brokerEpoch;
    this.#store = options.store;
  }

  async onPartition(replica: PartitionReplica, current: Versioned<PartitionState>): Promise<PartitionState | undefined> {
    const state = current.value;
    if (state.replicas[0] !== this.#brokerId) return undefined;
    const holder = state.holder;
    if (holder !== null && (holder.id !== this.#brokerId || holder.brokerEpoch === this.#brokerEpoch)) return undefined;
    const me = { id: this.#brokerId, brokerEpoch: this.#brokerEpoch };
    const claimed: PartitionState = {
      ...state,
      holder: me,
      leaderEpoch: state.leaderEpoch + 1,
      partitionEpoch: state.partitionEpoch + 1,
      isr: [me],
      epochStartOffset: replica.log.logEndOffset,
    };
    try {
      await this.#store.partitions.update(current.name, claimed, current.resourceVersion);
    } catch (err) {
      if (isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'NOT_FOUND')) return undefined;
      throw err;
    }
    return claimed;
  }
}
