import { RunnelError } from '@runnel/protocol';
import { parseBootstrap } from './cluster-metadata.ts';

/** Options of {@link Consumer}. */
export interface ConsumerOptions {
  /** Brokers to learn the cluster from: "host:port,host:port" or a list. */
  bootstrap: string | readonly string[];
  /** Most bytes one fetch request may return. @default 52428800 */
  maxBytes?: number;
  /** Most bytes per partition per fetch (at least one whole batch is returned). @default 1048576 */
  maxPartitionBytes?: number;
  /** How long the broker may hold a fetch waiting for minBytes. @default 500 */
  maxWaitMs?: number;
  /** @default 1 */
  minBytes?: number;
  /** Bound of fetched-but-not-consumed bytes; fetching pauses above it (backpressure). @default 33554432 */
  maxPrefetchBytes?: number;
  /** Where to start when there is no position or it is out of range. 'none' fails instead. @default 'latest' */
  autoOffsetReset?: 'earliest' | 'latest' | 'none';
  /** @default 30000 */
  requestTimeoutMs?: number;
  /** Base of the full-jitter back-off after a failed fetch. @default 100 */
  retryBackoffMs?: number;
  /** @default 1000 */
  retryBackoffMaxMs?: number;
}

/** ConsumerOptions with defaults applied. */
export type ResolvedConsumerOptions = Required<Omit<ConsumerOptions, 'bootstrap'>> & { bootstrap: string[] };

function check(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new RunnelError('INVALID_CONFIG', `Invalid consumer option ${name}: ${value} (must be a number >= ${min})`);
  }
  return value;
}

/** Applies defaults; throws INVALID_CONFIG naming the first bad option. */
export function resolveConsumerOptions(o: ConsumerOptions): ResolvedConsumerOptions {
  const reset = o.autoOffsetReset ?? 'latest';
  if (!['earliest', 'latest', 'none'].includes(reset)) {
    throw new RunnelError('INVALID_CONFIG', `Invalid consumer option autoOffsetReset: ${String(reset)} (earliest, latest or none)`);
  }
  return {
    bootstrap: parseBootstrap(o.bootstrap),
    maxBytes: check('maxBytes', o.maxBytes ?? 50 * 1024 * 1024, 1),
    maxPartitionBytes: check('maxPartitionBytes', o.maxPartitionBytes ?? 1024 * 1024, 1),
    maxWaitMs: check('maxWaitMs', o.maxWaitMs ?? 500, 0),
    minBytes: check('minBytes', o.minBytes ?? 1, 0),
    maxPrefetchBytes: check('maxPrefetchBytes', o.maxPrefetchBytes ?? 32 * 1024 * 1024, 1),
    autoOffsetReset: reset,
    requestTimeoutMs: check('requestTimeoutMs', o.requestTimeoutMs ?? 30_000, 1),
    retryBackoffMs: check('retryBackoffMs', o.retryBackoffMs ?? 100, 0),
    retryBackoffMaxMs: check('retryBackoffMaxMs', o.retryBackoffMaxMs ?? 1000, 0),
  };
}
