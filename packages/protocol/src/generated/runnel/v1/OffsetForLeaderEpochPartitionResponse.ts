// Original file: proto/runnel/v1/replica.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { EpochEndOffset as _runnel_v1_EpochEndOffset, EpochEndOffset__Output as _runnel_v1_EpochEndOffset__Output } from '../../runnel/v1/EpochEndOffset.ts';

export interface OffsetForLeaderEpochPartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  /**
   * {-1, -1} when the epoch is newer than every epoch the callee knows.
   */
  'end'?: (_runnel_v1_EpochEndOffset | null);
}

export interface OffsetForLeaderEpochPartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  /**
   * {-1, -1} when the epoch is newer than every epoch the callee knows.
   */
  'end': (_runnel_v1_EpochEndOffset__Output | null);
}
