// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface ListOffsetsPartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  /**
   * -1 when no record has a timestamp at or after the one asked for.
   */
  'offset'?: (number | string | Long);
  'timestamp'?: (number | string | Long);
  'leaderEpoch'?: (number);
}

export interface ListOffsetsPartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  /**
   * -1 when no record has a timestamp at or after the one asked for.
   */
  'offset': (number);
  'timestamp': (number);
  'leaderEpoch': (number);
}
