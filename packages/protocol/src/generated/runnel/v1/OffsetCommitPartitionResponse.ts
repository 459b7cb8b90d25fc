// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface OffsetCommitPartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
}

export interface OffsetCommitPartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
}
