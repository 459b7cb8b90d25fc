import { RunnelError, toGrpcStatus, toWireError, type WireError } from '@runnel/protocol';
import type { MetadataStore } from '@runnel/metadata';
import type { Logger } from 'pino';
import type { BrokerMetrics, RpcName } from './broker-metrics.ts';
import type { ClusterView } from './cluster-view.ts';
import type { PartitionDirectory } from './replication/partition-directory.ts';

/** What every request handler of one broker shares. */
export interface BrokerContext {
  readonly brokerId: number;
  readonly clusterId: string;
  readonly store: MetadataStore;
  readonly view: ClusterView;
  /** The one partition directory: leader lookup, the one produce entry and the one fetch entry. */
  readonly partitions: PartitionDirectory;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** Aborted when the broker begins shutting down: long-polls answer, tails end. */
  readonly shutdownSignal: AbortSignal;
  /** Idempotent producer ids of this incarnation (InitProducerId). */
  readonly producerIds: { next(): { producerId: number; producerEpoch: number } };
  /** Cluster-wide topic config defaults (BrokerOptions.topicDefaults). */
  readonly topicDefaults?: Readonly<Record<string, string>>;
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
