// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { PartitionMetadata as _runnel_v1_PartitionMetadata, PartitionMetadata__Output as _runnel_v1_PartitionMetadata__Output } from '../../runnel/v1/PartitionMetadata.ts';

export interface TopicMetadata {
  'name'?: (string);
  /**
   * UUID, assigned once per incarnation of a topic.
   */
  'topicId'?: (string);
  'error'?: (_runnel_v1_Error | null);
  'partitions'?: (_runnel_v1_PartitionMetadata)[];
}

export interface TopicMetadata__Output {
  'name': (string);
  /**
   * UUID, assigned once per incarnation of a topic.
   */
  'topicId': (string);
  'error': (_runnel_v1_Error__Output | null);
  'partitions': (_runnel_v1_PartitionMetadata__Output)[];
}
