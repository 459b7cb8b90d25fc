import { RunnelError, toGrpcStatus, toWireError, type WireError } from '@runnel/protocol';
import type { MetadataStore } from '@runnel/metadata';
import type { Logger } from 'pino';
import type { BrokerMetrics, RpcName } from './broker-metrics.ts';
import type { ClusterView } from './cluster-view.ts';
import type { PartitionReplica } from './partition-replica.ts';

/**
 * The partitions request handlers can reach: the {@link PartitionRegistry} of a single-replica
 * broker, or the replication node's partitions (replication/replicated-directory.ts).
 */
export interface ReplicaDirectory {
  /** The replica that can serve a client request as leader, or the error to answer. */
  leaderFor(topic: string, partition: number): PartitionReplica | RunnelError;
  /** The local replica of a partition, if open. */
  get(topic: string, partition: number): PartitionReplica | undefined;
}

/** What every request handler of one broker shares. */
export interface BrokerContext {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly store: MetadataStore;
  readonly view: ClusterView;
  readonly registry: ReplicaDirectory;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** Aborted when the broker begins shutting down: long-polls answer, tails end. */
  readonly shutdownSignal: AbortSignal;
  /** Whether this broker runs replication (topics with RF > 1 may be created). */
  readonly replicated?: boolean;
  /** Idempotent producer ids of this incarnation (InitProducerId); unset until registered. */
  readonly producerIds?: { next(): { producerId: number; producerEpoch: number } };
}

/**
 * The wire error for a per-partition failure, counted in metrics. Errors that are not
 * RunnelErrors are bugs: they are logged in full here and reach the client as
 * UNKNOWN_SERVER_ERROR without internals.
 */
export function partitionError(ctx: BrokerContext, rpc: RpcName, err: unknown): WireError {
  if (!(err instanceof RunnelError)) ctx.logger.error({ err, rpc }, 'unexpected error answering a partition');
  const wire = toWireError(err);
  ctx.metrics.countError(rpc, wire.code);
  return wire;
}

/** The gRPC status (with ErrorInfo details) for a whole-request failure, counted in metrics. */
export function requestError(ctx: BrokerContext, rpc: RpcName, err: unknown): ReturnType<typeof toGrpcStatus> {
  let runnelError: RunnelError;
  if (err instanceof RunnelError) runnelError = err;
  else {
    ctx.logger.error({ err, rpc }, 'unexpected error answering a request');
    const wire = toWireError(err);
    runnelError = new RunnelError('UNKNOWN_SERVER_ERROR', wire.message);
  }
  ctx.metrics.countError(rpc, runnelError.code);
  return toGrpcStatus(runnelError);
}

/** Re-labels an error from a lower layer with the partition it concerns, keeping its code. */
export function inPartition(name: string, action: string, err: unknown): unknown {
  if (err instanceof RunnelError) return new RunnelError(err.code, `${action} ${name}: ${err.message}`, { cause: err, ...(err.leaderHint === undefined ? {} : { leaderHint: err.leaderHint }) });
  return err;
}
