/**
 * What the simulation needs from one broker incarnation, and what it gives it. The system under
 * test plugs in through a {@link SimNodeFactory}: `replication-node-adapter.ts` builds the real
 * replication node of @runnel/broker from these parts; the harness's own tests use a stand-in.
 */
import type { MetadataStore } from '@runnel/metadata';
import type { StorageIo } from '@runnel/storage';
import type { Acks } from '../../support/history/index.ts';
import type { SimNetwork } from '../harness/sim-network.ts';
import type { SimRandom } from '../harness/sim-random.ts';
import type { SimProcess } from '../harness/sim-scheduler.ts';
import type { VirtualClock } from '../harness/virtual-clock.ts';
import type { HighWatermarkObservation, ReplicaRecord } from '../invariants/white-box-invariants.ts';

/** Protocol timings (DESIGN.md §6) in virtual ms. */
export interface SimTiming {
  readonly renewPeriodMs: number;
  readonly requestTimeoutMs: number;
  readonly renewDeadlineMs: number;
  readonly leaseDurationMs: number;
  readonly replicaLagMaxMs: number;
}

/** Everything one broker incarnation is built from. All of it is simulated. */
export interface SimNodeParts {
  readonly brokerId: number;
  readonly process: SimProcess;
  /** A stream of this incarnation's own (ids and the like). */
  readonly random: SimRandom;
  /** Whether the previous incarnation shut down cleanly (the clean-shutdown marker of rule 1). */
  readonly cleanStart: boolean;
  /** The data directory's identity (meta.json's brokerUuid): new after the directory was emptied. */
  readonly dataDirUuid: string;
  readonly clock: VirtualClock;
  /** This incarnation's view of the API server. */
  readonly store: MetadataStore;
  /** This incarnation's view of its disk. */
  readonly io: StorageIo;
  /** Root of the broker's data directory on that disk. */
  readonly dataDir: string;
  readonly network: SimNetwork;
  /** Network name of a broker (`broker-<id>`). */
  readonly endpointOf: (brokerId: number) => string;
  readonly timing: SimTiming;
  /** Reports a high-watermark move (S8). */
  readonly observeHighWatermark: (o: HighWatermarkObservation) => void;
  /** Reports a log start that this broker's retention moved as leader (recorded in the history as a delete). */
  readonly observeRetention: (o: { broker: number; partition: string; logStartOffset: number }) => void;
  /** Logs a line tagged with the virtual time (kept only for a failing seed). */
  readonly log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** A client produce of one batch. */
export interface SimProduceRequest {
  readonly topic: string;
  readonly partition: number;
  readonly records: Buffer;
  readonly acks: Acks;
  readonly timeoutMs: number;
}

/** A client fetch, served only up to the high watermark. */
export interface SimFetchRequest {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly maxBytes: number;
}

/** What a replica says about itself (for settling and draining). */
export interface SimReplicaStatus {
  readonly role: 'leader' | 'follower';
  readonly leaderEpoch: number;
  readonly highWatermark: number;
  readonly logEndOffset: number;
  /** The first offset the replica holds (moved up by DeleteRecords; followers follow their leader's). */
  readonly logStartOffset: number;
  /** The replica's partition record still carries a reassignment target (the leader has not finished it). */
  readonly pendingReassignment?: boolean;
}

/** One broker incarnation as the simulation drives it. Errors are RunnelErrors with stable codes. */
export interface SimNode {
  /** Joins the cluster (broker Lease, recovery, replication); resolves once running. */
  start(): Promise<void>;
  produce(request: SimProduceRequest): Promise<{ baseOffset: number }>;
  fetch(request: SimFetchRequest): Promise<{ records: Buffer; highWatermark: number }>;
  /** Status of the local replica, or undefined when this broker hosts no such replica. */
  status(topic: string, partition: number): SimReplicaStatus | undefined;
  /** The local log of a replica (S10): all of it at the end of a run, or the offsets `from` up to `to` (exclusive) as it goes. */
  replicaLog(topic: string, partition: number, range?: { readonly from: number; readonly to: number }): Promise<ReplicaRecord[] | undefined>;
  /** DeleteRecords (KIP-107) on a partition this node leads: moves the log start, answers the new one. */
  deleteRecords?(topic: string, partition: number, offset: number): Promise<{ lowWatermark: number }>;
  /** Allocates an idempotent producer id (InitProducerId), when the node supports idempotence. */
  initProducerId?(): { producerId: number; producerEpoch: number };
  /** Clean shutdown (rule 12), when the node has one. */
  close?(): Promise<void>;
  /** Called after the incarnation was killed, to stop its loops (it must write nothing). */
  crash?(): void;
}

/** Builds one broker incarnation; it must register its endpoints on `parts.network` itself. */
export type SimNodeFactory = (parts: SimNodeParts) => SimNode;

/** Errors after which the client knows a DeleteRecords moved no log start (anything else is an unknown outcome). */
export const DEFINITE_DELETE_FAILURES: ReadonlySet<string> = new Set([
  'NOT_LEADER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC',
  'UNKNOWN_PARTITION',
  'OFFSET_OUT_OF_RANGE',
  'INVALID_REQUEST',
  'BROKER_NOT_AVAILABLE',
]);

/** Errors after which the client knows the send was not appended (anything else is an unknown outcome). */
export const DEFINITE_SEND_FAILURES: ReadonlySet<string> = new Set([
  'NOT_LEADER',
  'LEADER_NOT_AVAILABLE',
  'NOT_ENOUGH_REPLICAS',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'UNKNOWN_TOPIC',
  'UNKNOWN_PARTITION',
  'BROKER_NOT_AVAILABLE',
  // Idempotent producers: sequence and epoch errors are raised before anything is written.
  'OUT_OF_ORDER_SEQUENCE',
  'INVALID_PRODUCER_EPOCH',
  'UNKNOWN_PRODUCER_ID',
]);
