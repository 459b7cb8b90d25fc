import { RunnelError } from '@runnel/protocol';

/**
 * Edge checks for whole-request fields. A failure fails the whole request with INVALID_REQUEST
 * naming the field, its value and the accepted range; per-partition problems are answered in the
 * partition's `error` instead, so one bad partition never fails its neighbours.
 */
export function requireIntInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RunnelError('INVALID_REQUEST', `Invalid ${field} ${String(value)}: expected an integer in ${min}..${max}`);
  }
  return value;
}

/** Fails the request when it names no partition at all (nothing to do is a client bug). */
export function requireNonEmpty(field: string, list: readonly unknown[]): void {
  if (list.length === 0) throw new RunnelError('INVALID_REQUEST', `Invalid request: ${field} is empty`);
}

/** Upper bound on partitions named in one request; bounds the work one request can cause. */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/** Longest long-poll wait a Fetch may ask for. */
export const MAX_FETCH_WAIT_MS = 5 * 60_000;

/** Longest acks=all wait a Produce may ask for. */
export const MAX_PRODUCE_TIMEOUT_MS = 5 * 60_000;

/** Default acks=all timeout when the request leaves it at 0. */
export const DEFAULT_PRODUCE_TIMEOUT_MS = 30_000;
