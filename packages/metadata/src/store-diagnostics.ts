import { channel } from 'node:diagnostics_channel';

/**
 * Instrumentation of the Kubernetes store through `node:diagnostics_channel` (free when nobody
 * subscribes), so write and watch outcomes can be measured without the store depending on a
 * metrics library.
 */

/** Name of the channel that receives one {@link StoreWriteEvent} per write request. */
export const STORE_WRITE_CHANNEL = 'runnel:metadata:write';

/** The outcome of one write (create, update or delete) sent to the API server. */
export interface StoreWriteEvent {
  /** `topics`, `partitions` or `brokers`. */
  readonly collection: string;
  readonly name: string;
  readonly op: 'create' | 'update' | 'delete';
  /** `ok`; `conflict` (409, lost CAS); `unknown` (timeout or 5xx: may or may not have applied); `error` (anything else). */
  readonly outcome: 'ok' | 'conflict' | 'unknown' | 'error';
  /** Error code when the outcome is not `ok`. */
  readonly code?: string;
  /** Time from sending to the answer (excludes the rate-limit wait). */
  readonly durationMs: number;
  /** Time spent waiting for the client-side rate limiter. */
  readonly rateLimitedMs: number;
}

/** Running totals of a store (see {@link KubernetesMetadataStore.stats}). */
export interface StoreStats {
  /** Write requests sent (every outcome). */
  writes: number;
  /** Writes answered 409 (lost compare-and-swap or name taken). */
  conflicts: number;
  /** Writes whose outcome is unknown (timeout, connection lost, 5xx). */
  unknownOutcomes: number;
  /** Read requests (get and list). */
  reads: number;
  /** Watch connections opened again after a disconnect or error. */
  watchRestarts: number;
  /** Watches ended with EXPIRED (410 Gone or a consumer too far behind). */
  watchesExpired: number;
  /** Objects that matched the selector but could not be decoded (skipped in list and watch). */
  decodeErrors: number;
  /** Total milliseconds writes waited for the client-side rate limiter. */
  rateLimitedMs: number;
}

export const writeChannel = channel(STORE_WRITE_CHANNEL);

/** Name of the channel that receives one {@link StoreWatchEvent} per watch reconnect or expiry. */
export const STORE_WATCH_CHANNEL = 'runnel:metadata:watch';

/** A watch connection ended: it is reopened from the last version seen, or the watch expired. */
export interface StoreWatchEvent {
  readonly collection: string;
  /** `reconnect`: reopened invisibly to the consumer; `expired`: the consumer gets EXPIRED. */
  readonly kind: 'reconnect' | 'expired';
  /** Why the connection ended: `closed` by the server or client-node's idle timeout, `failed` on an error, `gone` on 410. */
  readonly reason: 'closed' | 'failed' | 'gone';
  /** The version the watch resumes from (or could not). */
  readonly resourceVersion: string;
}

export const watchChannel = channel(STORE_WATCH_CHANNEL);

/** A zeroed {@link StoreStats}. */
export function emptyStats(): StoreStats {
  return { writes: 0, conflicts: 0, unknownOutcomes: 0, reads: 0, watchRestarts: 0, watchesExpired: 0, decodeErrors: 0, rateLimitedMs: 0 };
}
