/**
 * The public shape of one broker's replication node (DESIGN.md §6): what the broker process, the
 * local cluster and the deterministic simulation drive. The node depends only on a {@link Clock},
 * a {@link ReplicaTransport}, a MetadataStore and partition logs, so the simulation runs the real
 * code on virtual time, a simulated network and an in-memory disk.
 */
import type { MetadataStore, PartitionState } from '@runnel/metadata';
import type { LogConfig, PartitionLog } from '@runnel/storage';
import type { Clock } from './clock.ts';
import type { ReplicaService, ReplicaTransport } from './replica-transport.ts';
import type { ReplicationTiming } from './replication-timing.ts';

/** pino-compatible logger subset. */
export interface ReplicationLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Hooks for metrics and white-box checks (simulation invariants S7–S10). All optional, all synchronous. */
export interface ReplicationObserver {
  /** The HW of a replica moved (as leader: it advanced it; as follower: it copied the leader's). */
  highWatermark?(o: { broker: number; brokerEpoch: number; partition: string; leaderEpoch: number; asLeader: boolean; highWatermark: number }): void;
  /** This broker took leadership by failover (rule 8); `durationMs` from first seeing the leader dead. */
  failover?(o: { partition: string; leaderEpoch: number; durationMs: number }): void;
  /** An ISR change was committed by this leader. */
  isrChange?(o: { partition: string; kind: 'shrink' | 'expand'; isr: readonly number[] }): void;
  /** A broker Lease write and whether it conflicted (409). */
  leaseWrite?(o: { conflict: boolean }): void;
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
  readonly logAppendTime: number;
}

/** A client fetch, served from the leader up to the high watermark only. */
export interface NodeFetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxBytes: number;
  /** -1 skips the KIP-320 check. @default -1 */
  readonly currentLeaderEpoch?: number;
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
 * `produce` rejects NOT_LEADER / NOT_ENOUGH_REPLICAS / FENCED_LEADER_EPOCH before writing
 * anything (a definite failure); REQUEST_TIMED_OUT when the outcome is unknown.
 */
export interface ReplicationNode extends ReplicaService {
  readonly brokerId: number;
  /** This incarnation's brokerEpoch (the broker Lease's leaseTransitions); -1 before start. */
  readonly brokerEpoch: number;
  /** Acquires the broker Lease (waiting LD if another incarnation holds it), opens hosted partitions, starts replication. */
  start(signal?: AbortSignal): Promise<void>;
  produce(request: NodeProduceRequest, signal?: AbortSignal): Promise<NodeProduceResult>;
  fetch(request: NodeFetchRequest, signal?: AbortSignal): Promise<{ records: Buffer; highWatermark: number; logStartOffset: number; logEndOffset: number }>;
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
