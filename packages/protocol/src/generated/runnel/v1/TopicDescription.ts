// Original file: proto/runnel/v1/admin.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { PartitionDescription as _runnel_v1_PartitionDescription, PartitionDescription__Output as _runnel_v1_PartitionDescription__Output } from '../../runnel/v1/PartitionDescription.ts';

export interface TopicDescription {
  'name'?: (string);
  'topicId'?: (string);
  'error'?: (_runnel_v1_Error | null);
  'configs'?: ({[key: string]: string});
  'partitions'?: (_runnel_v1_PartitionDescription)[];
}

export interface TopicDescription__Output {
  'name': (string);
  'topicId': (string);
  'error': (_runnel_v1_Error__Output | null);
  'configs': ({[key: string]: string});
  'partitions': (_runnel_v1_PartitionDescription__Output)[];
}
