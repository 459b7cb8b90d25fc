// Original file: proto/runnel/v1/log.proto

import type { Long } from '@grpc/proto-loader';

export interface FetchPartition {
  'topic'?: (string);
  'partition'?: (number);
  'offset'?: (number | string | Long);
  /**
   * Per-partition cap; at least one whole batch is returned even when it is larger.
   */
  'maxBytes'?: (number);
  /**
   * The leader epoch the client believes current, or -1. A mismatch gets FENCED_LEADER_EPOCH
   * or UNKNOWN_LEADER_EPOCH so the client refreshes metadata (Kafka's KIP-320).
   */
  'currentLeaderEpoch'?: (number);
}

export interface FetchPartition__Output {
  'topic': (string);
  'partition': (number);
  'offset': (number);
  /**
   * Per-partition cap; at least one whole batch is returned even when it is larger.
   */
  'maxBytes': (number);
  /**
   * The leader epoch the client believes current, or -1. A mismatch gets FENCED_LEADER_EPOCH
   * or UNKNOWN_LEADER_EPOCH so the client refreshes metadata (Kafka's KIP-320).
   */
  'currentLeaderEpoch': (number);
}
