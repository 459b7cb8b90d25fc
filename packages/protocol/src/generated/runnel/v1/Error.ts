// Original file: proto/runnel/v1/common.proto


/**
 * A per-partition (or per-item) error. `code` is a stable name from the ErrorCode table in
 * packages/protocol (NOT_LEADER, UNKNOWN_TOPIC, CORRUPT_BATCH, ...); `retriable` is that table's
 * flag, sent so that clients in any language need not copy the table. An absent Error is success.
 */
export interface Error {
  'code'?: (string);
  'message'?: (string);
  'retriable'?: (boolean);
  /**
   * For NOT_LEADER and FENCED_LEADER_EPOCH: the leader this broker knows of, or -1.
   */
  'leaderHint'?: (number);
}

/**
 * A per-partition (or per-item) error. `code` is a stable name from the ErrorCode table in
 * packages/protocol (NOT_LEADER, UNKNOWN_TOPIC, CORRUPT_BATCH, ...); `retriable` is that table's
 * flag, sent so that clients in any language need not copy the table. An absent Error is success.
 */
export interface Error__Output {
  'code': (string);
  'message': (string);
  'retriable': (boolean);
  /**
   * For NOT_LEADER and FENCED_LEADER_EPOCH: the leader this broker knows of, or -1.
   */
  'leaderHint': (number);
}
