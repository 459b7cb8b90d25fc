/**
 * Message size limits of the broker's gRPC server (grpc-js defaults are 4 MiB receive and
 * unlimited send, too small for produce batches and unbounded for fetch).
 *
 * - Receive 64 MiB: a produce request may carry many partitions of up to max.message.bytes each
 *   (1 MiB by default); 64 MiB leaves room for producers batching across 64 partitions.
 * - Send 64 MiB: Fetch responses are capped by the request's max_bytes, which the broker clamps to
 *   {@link MAX_FETCH_RESPONSE_BYTES} (below the send limit, leaving room for framing), so a
 *   response never fails on the sender's own limit.
 */
export const MAX_RECEIVE_MESSAGE_BYTES = 64 * 1024 * 1024;

/** See {@link MAX_RECEIVE_MESSAGE_BYTES}. */
export const MAX_SEND_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Largest Fetch response payload (records of all partitions); leaves 1 MiB for message framing. */
export const MAX_FETCH_RESPONSE_BYTES = MAX_SEND_MESSAGE_BYTES - 1024 * 1024;

/** Fetch max_bytes when the request leaves it at 0 (Kafka's fetch.max.bytes). */
export const DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024;

/** Per-partition max_bytes when the request leaves it at 0 (Kafka's max.partition.fetch.bytes). */
export const DEFAULT_PARTITION_FETCH_MAX_BYTES = 1024 * 1024;

/**
 * HTTP/2 flow-control window of the broker's receiving side (per stream and per connection), and
 * of its replica fetches. HTTP/2's default is 64 KiB: a sender may have only that much unacknowledged,
 * then waits for the receiver's WINDOW_UPDATE, which Node sends once the receiving event loop has
 * read the data. A 256 KiB produce batch (or a 4 MiB fetch response) then costs one round trip of
 * both event loops per 64 KiB. Measured with `runnel bench produce --records 2000000` (1 KiB, 16
 * batches of 256 KiB in flight): 220 MB/s with the default, 313–371 MB/s with 4 MiB; for replica
 * fetches see grpc-replica-transport.ts.
 */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/** gRPC server options applied by startBroker. */
export const GRPC_SERVER_OPTIONS = {
  'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES,
  // Detect dead clients holding long-polls or tails open.
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.http2.min_ping_interval_without_data_ms': 10_000,
} as const;
