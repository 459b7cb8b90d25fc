// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface PartitionMetadata {
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  /**
   * -1 when the partition has no leader.
   */
  'leaderId'?: (number);
  'leaderEpoch'?: (number);
  'replicas'?: (number)[];
  'isr'?: (number)[];
  'offlineReplicas'?: (number)[];
}

export interface PartitionMetadata__Output {
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  /**
   * -1 when the partition has no leader.
   */
  'leaderId': (number);
  'leaderEpoch': (number);
  'replicas': (number)[];
  'isr': (number)[];
  'offlineReplicas': (number)[];
}
