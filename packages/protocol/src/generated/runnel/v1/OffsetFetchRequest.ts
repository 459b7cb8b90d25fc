// Original file: proto/runnel/v1/group.proto

import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from '../../runnel/v1/TopicPartitions.ts';

export interface OffsetFetchRequest {
  'groupId'?: (string);
  /**
   * Empty means every partition the group has committed.
   */
  'partitions'?: (_runnel_v1_TopicPartitions)[];
}

export interface OffsetFetchRequest__Output {
  'groupId': (string);
  /**
   * Empty means every partition the group has committed.
   */
  'partitions': (_runnel_v1_TopicPartitions__Output)[];
}
