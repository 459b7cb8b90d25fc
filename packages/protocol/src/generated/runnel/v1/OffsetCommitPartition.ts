// Original file: proto/runnel/v1/group.proto

import type { Long } from '@grpc/proto-loader';

export interface OffsetCommitPartition {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * The next offset to consume.
   */
  'offset'?: (number | string | Long);
  /**
   * The leader epoch of the last record consumed, or -1.
   */
  'leaderEpoch'?: (number);
  'metadata'?: (string);
}

export interface OffsetCommitPartition__Output {
  'topic': (string);
  'partition': (number);
  /**
   * The next offset to consume.
   */
  'offset': (number);
  /**
   * The leader epoch of the last record consumed, or -1.
   */
  'leaderEpoch': (number);
  'metadata': (string);
}
