import { RunnelError, type CompressionCodec } from '@runnel/protocol';
import { parseBootstrap } from './cluster-metadata.ts';

/** Options of {@link Producer}. Names and defaults follow Kafka's producer configs. */
export interface ProducerOptions {
  /** Brokers to learn the cluster from: "host:port,host:port" or a list. */
  bootstrap: string | readonly string[];
  /** 'all': committed by the in-sync replicas; 1: written by the leader; 0: no answer. @default 'all' */
  acks?: 'all' | 1 | 0;
  /** How long a partial batch waits for more records. @default 5 */
  lingerMs?: number;
  /** Target size of one batch, in bytes. @default 16384 */
  batchSize?: number;
  /** Bytes of records waiting or in flight; `send` waits when they would exceed it. @default 33554432 */
  bufferMemory?: number;
  /** Produce requests in flight per broker (at most 5 with idempotence). @default 5 */
  maxInFlight?: number;
  /**
   * Idempotent producer (DESIGN.md §6 rule 11, Kafka's enable.idempotence): a producer id from
   * InitProducerId and a sequence per partition make retries — also across a leader failover —
   * never duplicate or reorder records. Requires acks 'all' and maxInFlight <= 5.
   * @default true when acks is 'all' and maxInFlight <= 5 (as Kafka since 3.0), else false
   */
  idempotent?: boolean;
  /** Largest produce request, in bytes (a single larger record is still sent alone). @default 1048576 */
  maxRequestSize?: number;
  /** @default 'none' */
  compression?: CompressionCodec;
  /**
   * Further attempts of a batch after a retriable error. As in Kafka (since 2.1), the default is
   * unbounded and `deliveryTimeoutMs` is what ends the retrying: a rolling restart or a failover
   * must not exhaust a small count while the cluster is briefly unreachable.
   * @default Number.MAX_SAFE_INTEGER
   */
  retries?: number;
  /** Base of the full-jitter back-off between attempts. @default 100 */
  retryBackoffMs?: number;
  /** Cap of that back-off. @default 1000 */
  retryBackoffMaxMs?: number;
  /** How long one request may take before it counts as failed (and retriable). @default 30000 */
  requestTimeoutMs?: number;
  /**
   * Upper bound from `send` to success or failure, retries included (Kafka's delivery.timeout.ms):
   * a record that cannot be delivered in time (no leader, broker down) fails with REQUEST_TIMED_OUT.
   * @default 120000
   */
  deliveryTimeoutMs?: number;
}

/** Batches per producer and partition a broker remembers for deduplication (Kafka's limit too). */
export const MAX_IDEMPOTENT_IN_FLIGHT = 5;

/** ProducerOptions with defaults applied and values checked. */
export interface ResolvedProducerOptions {
  bootstrap: string[];
  acks: 'all' | 1 | 0;
  lingerMs: number;
  batchSize: number;
  bufferMemory: number;
  maxInFlight: number;
  idempotent: boolean;
  maxRequestSize: number;
  compression: CompressionCodec;
  retries: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
}

function check(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RunnelError('INVALID_CONFIG', `Invalid producer option ${name}: ${value} (must be a number >= ${min})`);
  }
  return value;
}

/** Applies defaults; throws INVALID_CONFIG naming the first bad option. */
export function resolveProducerOptions(o: ProducerOptions): ResolvedProducerOptions {
  const acks = o.acks ?? 'all';
  if (acks !== 'all' && acks !== 1 && acks !== 0) {
    throw new RunnelError('INVALID_CONFIG', `Invalid producer option acks: ${String(acks)} (must be 'all', 1 or 0)`);
  }
  const maxInFlight = Math.floor(check('maxInFlight', o.maxInFlight ?? 5, 1));
  const idempotent = o.idempotent ?? (acks === 'all' && maxInFlight <= MAX_IDEMPOTENT_IN_FLIGHT);
  if (typeof idempotent !== 'boolean') throw new RunnelError('INVALID_CONFIG', `Invalid producer option idempotent: ${String(idempotent)} (must be true or false)`);
  if (idempotent && acks !== 'all') {
    throw new RunnelError('INVALID_CONFIG', `Invalid producer options: idempotent requires acks 'all' (got acks ${String(acks)}); set idempotent: false to use acks ${String(acks)}`);
  }
  if (idempotent && maxInFlight > MAX_IDEMPOTENT_IN_FLIGHT) {
    throw new RunnelError('INVALID_CONFIG', `Invalid producer options: idempotent allows at most ${MAX_IDEMPOTENT_IN_FLIGHT} requests in flight (got maxInFlight ${maxInFlight}): brokers remember the last ${MAX_IDEMPOTENT_IN_FLIGHT} batches per producer and partition`);
  }
  const compression = o.compression ?? 'none';
  if (!['none', 'gzip', 'snappy', 'lz4', 'zstd'].includes(compression)) {
    throw new RunnelError('INVALID_CONFIG', `Invalid producer option compression: ${String(compression)} (none, gzip, snappy, lz4 or zstd)`);
  }
  return {
    bootstrap: parseBootstrap(o.bootstrap),
    acks,
    lingerMs: check('lingerMs', o.lingerMs ?? 5, 0),
    batchSize: check('batchSize', o.batchSize ?? 16_384, 1),
    bufferMemory: check('bufferMemory', o.bufferMemory ?? 32 * 1024 * 1024, 1024),
    maxInFlight,
    idempotent,
    maxRequestSize: check('maxRequestSize', o.maxRequestSize ?? 1024 * 1024, 1024),
    compression,
    retries: Math.floor(check('retries', o.retries ?? Number.MAX_SAFE_INTEGER, 0)),
    retryBackoffMs: check('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: check('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
    requestTimeoutMs: check('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1),
    deliveryTimeoutMs: check('deliveryTimeoutMs', o.deliveryTimeoutMs ?? 120_000, 1),
  };
}
