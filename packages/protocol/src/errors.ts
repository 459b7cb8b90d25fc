/**
 * The one error table shared by broker and client, and the error classes built on it.
 *
 * Every error that crosses a package or the wire carries a stable `code` from {@link ErrorCodes};
 * code decides behaviour (retry, refresh metadata, give up), never message text. Retriability
 * follows Kafka's classification of the equivalent error so that Runnel clients behave as Kafka
 * users expect (e.g. UNKNOWN_TOPIC is retriable because metadata may not have propagated yet).
 */

/** gRPC status codes, as numbers so this table does not depend on @grpc/grpc-js at runtime. */
const GrpcCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** One row of the error table. */
export interface ErrorCodeInfo {
  /** Whether the same request may succeed if sent again (possibly after a metadata refresh). */
  readonly retriable: boolean;
  /** The gRPC status used when this error fails a whole request. */
  readonly grpcStatus: number;
  /** What the code means, for documentation and the CLI. */
  readonly description: string;
}

function row(retriable: boolean, grpcStatus: number, description: string): ErrorCodeInfo {
  return Object.freeze({ retriable, grpcStatus, description });
}

/**
 * The error table. Keys are the stable codes that travel as `runnel.v1.Error.code` and as the
 * `reason` of the google.rpc.ErrorInfo in gRPC status details.
 */
export const ErrorCodes = Object.freeze({
  UNKNOWN_TOPIC: row(true, GrpcCode.NOT_FOUND, 'The topic does not exist (or this broker has not learned of it yet).'),
  UNKNOWN_PARTITION: row(true, GrpcCode.NOT_FOUND, 'The partition does not exist (or is not hosted by this broker).'),
  INVALID_TOPIC_NAME: row(false, GrpcCode.INVALID_ARGUMENT, 'The topic name is not valid: 1-224 of [a-zA-Z0-9._-] (a partition directory must fit a 255-byte file name), not "." or "..".'),
  TOPIC_ALREADY_EXISTS: row(false, GrpcCode.ALREADY_EXISTS, 'A topic with this name already exists.'),
  NOT_LEADER: row(true, GrpcCode.FAILED_PRECONDITION, 'This broker does not lead the partition; refresh metadata.'),
  LEADER_NOT_AVAILABLE: row(true, GrpcCode.UNAVAILABLE, 'The partition has no leader right now (an election is in progress).'),
  FENCED_LEADER_EPOCH: row(true, GrpcCode.FAILED_PRECONDITION, 'The leader epoch in the request is older than the current one.'),
  UNKNOWN_LEADER_EPOCH: row(true, GrpcCode.FAILED_PRECONDITION, 'The leader epoch in the request is newer than the broker knows.'),
  CORRUPT_BATCH: row(true, GrpcCode.INVALID_ARGUMENT, 'A record batch failed validation (framing, magic or CRC-32C).'),
  INVALID_RECORD: row(false, GrpcCode.INVALID_ARGUMENT, 'A record is not valid for this topic (e.g. a null key on a compacted topic).'),
  RECORD_TOO_LARGE: row(false, GrpcCode.INVALID_ARGUMENT, 'A record batch is larger than the topic or broker allows.'),
  OFFSET_OUT_OF_RANGE: row(false, GrpcCode.OUT_OF_RANGE, 'The offset is outside the range held by the partition.'),
  NOT_ENOUGH_REPLICAS: row(true, GrpcCode.UNAVAILABLE, 'Fewer in-sync replicas than min.insync.replicas; nothing was written.'),
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: row(true, GrpcCode.UNAVAILABLE, 'Written by the leader, but the in-sync replicas shrank below the minimum.'),
  REQUEST_TIMED_OUT: row(true, GrpcCode.DEADLINE_EXCEEDED, 'The request did not complete in time.'),
  STORAGE_ERROR: row(true, GrpcCode.UNAVAILABLE, 'The broker could not read or write its log (I/O error).'),
  DISK_FULL: row(true, GrpcCode.RESOURCE_EXHAUSTED, 'The broker has no disk space left for the partition.'),
  INVALID_REQUEST: row(false, GrpcCode.INVALID_ARGUMENT, 'The request is malformed or has out-of-range fields.'),
  INVALID_PARTITIONS: row(false, GrpcCode.INVALID_ARGUMENT, 'The partition count is not valid (must be positive and may only grow).'),
  INVALID_REPLICATION_FACTOR: row(false, GrpcCode.INVALID_ARGUMENT, 'The replication factor is not valid for this cluster.'),
  INVALID_CONFIG: row(false, GrpcCode.INVALID_ARGUMENT, 'A configuration key or value is not valid.'),
  DUPLICATE_SEQUENCE: row(false, GrpcCode.ALREADY_EXISTS, 'The batch was already written (idempotent producer retry).'),
  OUT_OF_ORDER_SEQUENCE: row(false, GrpcCode.FAILED_PRECONDITION, 'The producer sequence number is not the next one expected.'),
  INVALID_PRODUCER_EPOCH: row(false, GrpcCode.FAILED_PRECONDITION, 'The producer epoch is older than the current one (a newer producer fenced it).'),
  UNKNOWN_PRODUCER_ID: row(false, GrpcCode.FAILED_PRECONDITION, 'The broker has no state for this producer id.'),
  BROKER_NOT_AVAILABLE: row(true, GrpcCode.UNAVAILABLE, 'The broker cannot be reached or is shutting down.'),
  NOT_SUPPORTED: row(false, GrpcCode.UNIMPLEMENTED, 'The operation is not supported in this mode or version.'),
  UNSUPPORTED_COMPRESSION: row(false, GrpcCode.INVALID_ARGUMENT, 'The compression codec is not supported.'),
  POLICY_VIOLATION: row(false, GrpcCode.FAILED_PRECONDITION, 'The request violates a cluster policy (e.g. topics are managed as Kubernetes resources).'),
  NOT_COORDINATOR: row(true, GrpcCode.FAILED_PRECONDITION, 'This broker is not the coordinator of the group; find the coordinator again.'),
  COORDINATOR_NOT_AVAILABLE: row(true, GrpcCode.UNAVAILABLE, 'The group coordinator is loading or moving; retry.'),
  INVALID_GROUP_ID: row(false, GrpcCode.INVALID_ARGUMENT, 'The group id is not valid: 1-255 characters.'),
  GROUP_ID_NOT_FOUND: row(false, GrpcCode.NOT_FOUND, 'The group does not exist.'),
  NON_EMPTY_GROUP: row(false, GrpcCode.FAILED_PRECONDITION, 'The operation needs a group with no members.'),
  UNKNOWN_MEMBER_ID: row(false, GrpcCode.NOT_FOUND, 'The member is not (or no longer) in the group; rejoin with epoch 0.'),
  FENCED_MEMBER_EPOCH: row(false, GrpcCode.FAILED_PRECONDITION, 'The member epoch is not the current one; the member lost its partitions and must rejoin.'),
  STALE_MEMBER_EPOCH: row(true, GrpcCode.FAILED_PRECONDITION, 'The member epoch is outside the range allowed for this partition; heartbeat and retry.'),
  UNASSIGNED_PARTITION: row(false, GrpcCode.FAILED_PRECONDITION, 'The member does not own this partition.'),
  UNRELEASED_INSTANCE_ID: row(true, GrpcCode.FAILED_PRECONDITION, 'Another live member still holds this static instance id.'),
  UNSUPPORTED_ASSIGNOR: row(false, GrpcCode.INVALID_ARGUMENT, 'The requested server assignor does not exist.'),
  INVALID_REGULAR_EXPRESSION: row(false, GrpcCode.INVALID_ARGUMENT, 'The subscription regular expression does not compile.'),
  GROUP_MAX_SIZE_REACHED: row(false, GrpcCode.RESOURCE_EXHAUSTED, 'The group has reached its maximum number of members.'),
  CANCELLED: row(false, GrpcCode.CANCELLED, 'The operation was cancelled by the caller.'),
  UNKNOWN_SERVER_ERROR: row(false, GrpcCode.INTERNAL, 'An unexpected error on the broker.'),
} as const);

/** A stable error code: a key of {@link ErrorCodes}. */
export type ErrorCode = keyof typeof ErrorCodes;

/** True when `code` is a key of the error table (for values that arrive from the wire). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code);
}

/** Options for {@link RunnelError}. */
export interface RunnelErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** For NOT_LEADER and FENCED_LEADER_EPOCH: the broker id of the leader the sender knows of. */
  leaderHint?: number;
  /**
   * Overrides the table's retriable flag. Only for errors that arrive from a peer whose table
   * may be newer than ours (an unknown code keeps the peer's flag).
   */
  retriable?: boolean;
}

/** The base of every Runnel error: a stable `code`, its retriable flag and an optional leader hint. */
export class RunnelError extends Error {
  /** The stable code; decide behaviour on this, never on the message. */
  readonly code: ErrorCode;
  /** Whether retrying the same request may succeed. */
  readonly retriable: boolean;
  /** The leader the sender knows of, when the code is about leadership; otherwise undefined. */
  readonly leaderHint: number | undefined;

  constructor(code: ErrorCode, message: string, options: RunnelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RunnelError';
    this.code = code;
    this.retriable = options.retriable ?? ErrorCodes[code].retriable;
    this.leaderHint = options.leaderHint;
  }
}

/** A record batch failed validation. `position` is the byte offset of the batch in the buffer checked. */
export class CorruptBatchError extends RunnelError {
  /** Byte offset of the offending batch within the buffer that was validated. */
  readonly position: number;

  constructor(message: string, options: { position: number; cause?: unknown }) {
    super('CORRUPT_BATCH', message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'CorruptBatchError';
    this.position = options.position;
  }
}

/** A record batch exceeds the allowed size. */
export class RecordTooLargeError extends RunnelError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('RECORD_TOO_LARGE', message, options);
    this.name = 'RecordTooLargeError';
  }
}
