/**
 * The public shape of one broker's replication node (DESIGN.md §6): what the broker process, the
 * local cluster and the deterministic simulation drive. The node depends only on a {@link Clock},
 * a {@link ReplicaTransport}, a MetadataStore and partition logs, so the simulation runs the real
 * code on virtual time, a simulated network and an in-memory disk.
 */
import type { MetadataStore, PartitionState } from '@runnel/metadata';
import type { LogConfig, PartitionLog } from '@runnel/storage';
import type { TopicCounters } from '../broker-metrics.ts';
import type { Clock } from './clock.ts';
import type { PartitionDirectory } from './partition-directory.ts';
import type { ReplicaService, ReplicaTransport } from './replica-transport.ts';
import type { ReplicationTiming } from './replication-timing.ts';

/** pino-compatible logger subset. */
export interface ReplicationLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** Per-partition detail (the phases of a failover); pino's debug level. @default not logged */
  debug?(obj: object, msg: string): void;
}

/** Hooks for metrics and white-box checks (simulation invariants S7–S10). All optional, all synchronous. */
export interface ReplicationObserver {
  /** The HW of a replica moved (as leader: it advanced it; as follower: it copied the leader's). */
  highWatermark?(o: { broker: number; brokerEpoch: number; partition: string; leaderEpoch: number; asLeader: boolean; highWatermark: number }): void;
  /** This broker took leadership by failover (rule 8); `durationMs` from first seeing the leader dead. */
  failover?(o: { partition: string; leaderEpoch: number; durationMs: number }): void;
  /** An ISR change was committed by this leader. */
  isrChange?(o: { partition: string; kind: 'shrink' | 'expand'; isr: readonly number[] }): void;
  /** A reassignment step this leader committed: targets added, leadership handed to a target, or old replicas removed. */
  reassignment?(o: { partition: string; step: 'add' | 'handover' | 'complete'; replicas: readonly number[]; leader: number }): void;
  /** This broker deleted its replica of a partition whose replica list no longer names it (after a reassignment). */
  replicaRemoved?(o: { partition: string; topicId: string }): void;
  /** A write of this broker's broker Lease or of a partition Lease, and its outcome (`conflict`: 409; `failed`: any other error, or an unknown outcome). */
  leaseWrite?(o: { lease: 'broker' | 'partition'; outcome: 'ok' | 'conflict' | 'failed' }): void;
  /** The node fenced itself for good (its broker Lease was taken by another incarnation): exit. */
  fenced?(reason: Error): void;
}

/** Everything a node is built from. */
export interface ReplicationNodeOptions {
  readonly brokerId: number;
  readonly clock: Clock;
  readonly store: MetadataStore;
  readonly transport: ReplicaTransport;
  /** Opens (recovering if needed) this broker's log of a partition; called once per hosted partition. */
  readonly openLog: (p: { topic: string; partition: number; topicId: string; config: LogConfig }) => Promise<PartitionLog>;
  /** Removes a deleted partition's log from disk (after the node closed it). @default logs are only closed */
  readonly deleteLog?: (p: { topic: string; partition: number; topicId: string }) => Promise<void>;
  /** Whether the data directory had a clean-shutdown marker. false ⇒ `recovering` (rule 1). */
  readonly cleanStart: boolean;
  /** Written into the broker Lease so clients and peers can find this broker. */
  readonly registration: { readonly host: string; readonly port: number; readonly rack: string; readonly brokerUuid: string };
  readonly timing: ReplicationTiming;
  readonly logger?: ReplicationLogger;
  readonly observer?: ReplicationObserver;
  /** UUID source (the simulation passes a seeded one). @default crypto.randomUUID */
  readonly newId?: () => string;
  /** Per-topic byte and record counters of produce and fetch (the broker's metrics). @default none */
  readonly metrics?: { topicCounters(topic: string): TopicCounters; forgetTopic(topic: string): void };
  /**
   * The metadata store lives in this process (the memory store of `runnel local` and of a single
   * `runnel broker`): no other process can renew this broker's Lease, and an earlier incarnation
   * in this process has stopped before a restart. A Lease left by a crash is then taken at once
   * instead of after the lease duration. @default false
   */
  readonly exclusiveStore?: boolean;
  /**
   * Cluster-wide topic config defaults (retention.ms, min.insync.replicas, durability, ...): a
   * topic's own configs win. @default none
   */
  readonly topicDefaults?: Readonly<Record<string, string>>;
  /**
   * Failovers (rule 8) of this broker whose flush and leadership CAS run at the same time; the rest
   * wait their turn in order. Bounded so that a broker taking over hundreds of partitions keeps its
   * requests answered within their timeout rather than queueing them all in the API server at once
   * (docs/architecture.md, Replication and leadership on Leases). @default 16
   */
  readonly failoverConcurrency?: number;
}

/** A client produce of one or more batches to one partition. */
export interface NodeProduceRequest {
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer;
  readonly acks: 'none' | 'leader' | 'all';
  readonly timeoutMs: number;
}

/** Result of a produce: offsets of the first and last record written (the original ones for a retried idempotent batch). */
export interface NodeProduceResult {
  readonly baseOffset: number;
  readonly lastOffset: number;
  /** The broker's append time when the topic uses LogAppendTime, else -1. */
  readonly logAppendTime: number;
  readonly logStartOffset: number;
}

/** A client fetch, served from the leader up to the high watermark only. */
export interface NodeFetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxBytes: number;
  /** -1 skips the KIP-320 check. @default -1 */
  readonly currentLeaderEpoch?: number;
  /** Return nothing rather than a first batch larger than `maxBytes` (and nothing at all for 0). @default false */
  readonly strict?: boolean;
  /** Where the read's bytes go (the broker pools large read buffers). @default a new buffer */
  readonly allocate?: (length: number) => Buffer;
}

/** What a fetch read: committed records and the log's positions (-1 when the partition is not served here), or the partition's error. */
export interface NodeFetchResult {
  readonly records: Buffer;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly error?: Error;
}

/** What a replica says about itself. */
export interface NodeReplicaStatus {
  readonly role: 'leader' | 'follower';
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  readonly state: PartitionState;
}

/**
 * One broker incarnation's replication node. Errors are RunnelErrors with stable codes.
 * `produce` and `fetch` are the partition directory's one produce and one fetch entry, the same
 * the broker's gRPC handlers call. `produce` rejects NOT_LEADER / NOT_ENOUGH_REPLICAS /
 * FENCED_LEADER_EPOCH / invalid batches before writing anything (a definite failure);
 * REQUEST_TIMED_OUT when the outcome is unknown.
 */
export interface ReplicationNode extends ReplicaService {
  readonly brokerId: number;
  /** This incarnation's brokerEpoch (the broker Lease's leaseTransitions); -1 before start. */
  readonly brokerEpoch: number;
  /** Acquires the broker Lease (waiting LD if another incarnation holds it), opens hosted partitions, starts replication. */
  start(signal?: AbortSignal): Promise<void>;
  /** The partitions this broker hosts, as client requests find them. */
  readonly directory: PartitionDirectory;
  produce(request: NodeProduceRequest, signal?: AbortSignal): Promise<NodeProduceResult>;
  fetch(request: NodeFetchRequest): Promise<NodeFetchResult>;
  /** Allocates a cluster-unique idempotent producer id (InitProducerId). */
  initProducerId(): { producerId: number; producerEpoch: number };
  status(topic: string, partition: number): NodeReplicaStatus | undefined;
  /** The local log of a hosted replica (S9/S10 read it at the end of a run). */
  log(topic: string, partition: number): PartitionLog | undefined;
  /** Asks this broker, as leader, to hand `topic`/`partition` to `target` (rule 10). */
  handover(topic: string, partition: number, target: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<number>;
  /** Clean shutdown (rule 12): hand over leaderships, flush, release the broker Lease. Logs are closed. */
  close(): Promise<void>;
  /** Stops every loop at once without any write (kill -9 of the node's logic; the caller drops the disk state). */
  crash(): void;
}
