/**
 * The broker-to-broker seam (replica.proto). In production it is the gRPC `Replica` service
 * ({@link ../grpc-replica-transport.ts}); the simulation plugs in an in-memory network with faults.
 * Plain TypeScript shapes (not the generated types) so the core never depends on gRPC.
 *
 * Errors: a per-partition failure is in that partition's `error` (a RunnelError code such as
 * FENCED_LEADER_EPOCH); an unreachable broker or a timeout rejects the whole call.
 */
import type { WireError } from '@runnel/protocol';

/** One partition of a {@link ReplicaFetchRequest}. */
export interface ReplicaFetchPartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly leaderEpoch: number;
  /** Epoch of the last batch in the follower's log, -1 when empty. */
  readonly lastFetchedEpoch: number;
  /** The follower's log end (flushed, in fsync durability): the leader's only source of its position. */
  readonly fetchOffset: number;
  readonly maxBytes: number;
  /** The follower's log start: the leader's source for the low watermark DeleteRecords waits for. */
  readonly logStartOffset: number;
}

/** A follower's fetch from one leader, batching every partition it follows there. */
export interface ReplicaFetchRequest {
  readonly replicaId: number;
  readonly brokerEpoch: number;
  readonly maxWaitMs: number;
  readonly maxBytes: number;
  readonly partitions: readonly ReplicaFetchPartitionRequest[];
}

/** An epoch and where it ends in a log (KIP-101). */
export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

/** One partition of a {@link ReplicaFetchResponse}. */
export interface ReplicaFetchPartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly error?: WireError | undefined;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Whole batches starting at fetchOffset, as stored (offsets and epochs set). */
  readonly records: Buffer;
  /** Present when the follower must truncate before appending. */
  readonly divergingEpoch?: EpochEndOffset | undefined;
}

/** The leader's answer to a {@link ReplicaFetchRequest}. */
export interface ReplicaFetchResponse {
  readonly partitions: readonly ReplicaFetchPartitionResponse[];
}

/** Asks for the end offset of `leaderEpoch` in the callee's log. */
export interface OffsetForLeaderEpochRequest {
  readonly replicaId: number;
  readonly brokerEpoch: number;
  readonly partitions: ReadonlyArray<{ topic: string; partition: number; topicId: string; currentLeaderEpoch: number; leaderEpoch: number }>;
}

/** Answer to {@link OffsetForLeaderEpochRequest}. */
export interface OffsetForLeaderEpochResponse {
  readonly partitions: ReadonlyArray<{ topic: string; partition: number; error?: WireError | undefined; end: EpochEndOffset }>;
}

/** Asks the current leader to hand a partition to `targetBrokerId` (§6 rule 10). */
export interface HandoverRequest {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly targetBrokerId: number;
  readonly timeoutMs: number;
}

/** Answer to {@link HandoverRequest}: the new leader epoch, or an error. */
export interface HandoverResponse {
  readonly error?: WireError | undefined;
  readonly leaderEpoch: number;
}

/**
 * Calls to other brokers by broker id. Every call takes an AbortSignal; implementations reject
 * with a RunnelError (BROKER_NOT_AVAILABLE, REQUEST_TIMED_OUT, CANCELLED) when no answer comes.
 */
export interface ReplicaTransport {
  fetch(leaderId: number, request: ReplicaFetchRequest, signal: AbortSignal): Promise<ReplicaFetchResponse>;
  offsetForLeaderEpoch(brokerId: number, request: OffsetForLeaderEpochRequest, signal: AbortSignal): Promise<OffsetForLeaderEpochResponse>;
  handover(leaderId: number, request: HandoverRequest, signal: AbortSignal): Promise<HandoverResponse>;
}

/** What a broker serves to other brokers: the other side of {@link ReplicaTransport}. */
export interface ReplicaService {
  /**
   * With `leased`, records may be views of pooled read buffers noted there, which the caller gives
   * back (`readBuffers.release`) once it has serialized the answer; without, they are buffers of
   * their own (an in-process transport hands them to the follower as they are).
   */
  handleReplicaFetch(request: ReplicaFetchRequest, signal: AbortSignal, leased?: Buffer[]): Promise<ReplicaFetchResponse>;
  handleOffsetForLeaderEpoch(request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse>;
  handleHandover(request: HandoverRequest, signal: AbortSignal): Promise<HandoverResponse>;
}
