// Original file: proto/runnel/v1/group.proto

import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from '../../runnel/v1/TopicPartitions.ts';
import type { ResetSpec as _runnel_v1_ResetSpec, ResetSpec__Output as _runnel_v1_ResetSpec__Output } from '../../runnel/v1/ResetSpec.ts';
import type { Long } from '@grpc/proto-loader';

export interface ResetOffsetsRequest {
  'groupId'?: (string);
  /**
   * Partitions to reset; empty means every partition the group has committed.
   */
  'partitions'?: (_runnel_v1_TopicPartitions)[];
  'spec'?: (_runnel_v1_ResetSpec);
  'offset'?: (number | string | Long);
  'timestamp'?: (number | string | Long);
  'durationMs'?: (number | string | Long);
  /**
   * Compute the new offsets, write nothing.
   */
  'dryRun'?: (boolean);
}

export interface ResetOffsetsRequest__Output {
  'groupId': (string);
  /**
   * Partitions to reset; empty means every partition the group has committed.
   */
  'partitions': (_runnel_v1_TopicPartitions__Output)[];
  'spec': (_runnel_v1_ResetSpec__Output);
  'offset': (number);
  'timestamp': (number);
  'durationMs': (number);
  /**
   * Compute the new offsets, write nothing.
   */
  'dryRun': (boolean);
}
