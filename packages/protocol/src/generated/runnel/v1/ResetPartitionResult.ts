// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface ResetPartitionResult {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * -1 when nothing was committed.
   */
  'previousOffset'?: (number | string | Long);
  'newOffset'?: (number | string | Long);
  'error'?: (_runnel_v1_Error | null);
}

export interface ResetPartitionResult__Output {
  'topic': (string);
  'partition': (number);
  /**
   * -1 when nothing was committed.
   */
  'previousOffset': (number);
  'newOffset': (number);
  'error': (_runnel_v1_Error__Output | null);
}
