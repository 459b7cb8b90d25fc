import type { RunnelError } from '@runnel/protocol';
import type { PartitionState, TopicDefinition, Versioned } from '@runnel/metadata';
import type { TopicCounters } from '../broker-metrics.ts';
import type { BrokerLease } from './broker-lease.ts';
import type { IsrManager } from './isr-manager.ts';
import type { LeaderLiveness } from './leader-liveness.ts';
import type { ReplicaFetcher } from './replica-fetcher.ts';
import type { ReplicatedPartition, Self } from './replicated-partition.ts';
import type { ReplicationLogger, ReplicationNodeOptions, ReplicationObserver } from './replication-node-api.ts';

/** What the parts of one replication node share (internal). */
export interface NodeContext {
  readonly options: ReplicationNodeOptions;
  readonly newId: () => string;
  readonly logger: ReplicationLogger;
  readonly observer: ReplicationObserver;
  /** Aborted when the node stops (close or crash). */
  readonly signal: AbortSignal;
  /**
   * Aborted when a clean shutdown begins (rule 12): replica fetchers stop (a leader that sees no
   * fresh fetch does not hand over to this broker), and this broker takes no leadership, by
   * handover or failover. Never aborted by a crash (`signal` is).
   */
  readonly draining: AbortSignal;
  /** Hosted partitions by `<topic>-<partition>`. */
  readonly partitions: Map<string, ReplicatedPartition>;
  readonly topics: Map<string, TopicDefinition>;
  readonly liveness: LeaderLiveness;
  readonly lease: BrokerLease;
  readonly self: Self;
  /** No clean-shutdown marker at start (rule 1): this incarnation's old ISR entries make it eligible for nothing. */
  readonly recovering: boolean;
  isr: IsrManager;
  readonly fetchers: Map<number, ReplicaFetcher>;
  readonly wakeFetcher: (leaderId: number) => void;
  /** Closes and deletes the local replica if the partition state it holds no longer lists this broker (reassignment); runs in the background. */
  readonly dropIfRemoved: (p: ReplicatedPartition) => void;
  /** Hosted partitions whose log could not be opened, with the error clients get. */
  readonly offline: Map<string, { topicId: string; error: RunnelError }>;
  /** Leaders of partitions not hosted here (for NOT_LEADER hints), by `<topic>-<partition>`. */
  readonly leaders: Map<string, { topicId: string; leader: number }>;
  /** The produce/fetch counters of a topic, when the node has metrics. */
  readonly counters: (topic: string) => TopicCounters | undefined;
  /** Partitions being opened. */
  readonly opening: Set<string>;
  /** Partition states that arrived before their topic. */
  pendingOpen: Map<string, Array<Versioned<PartitionState>>> | undefined;
}
