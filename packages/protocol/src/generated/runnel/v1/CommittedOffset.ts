// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface CommittedOffset {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * -1 when nothing is committed.
   */
  'offset'?: (number | string | Long);
  'leaderEpoch'?: (number);
  'metadata'?: (string);
  'commitTimestamp'?: (number | string | Long);
  'error'?: (_runnel_v1_Error | null);
}

export interface CommittedOffset__Output {
  'topic': (string);
  'partition': (number);
  /**
   * -1 when nothing is committed.
   */
  'offset': (number);
  'leaderEpoch': (number);
  'metadata': (string);
  'commitTimestamp': (number);
  'error': (_runnel_v1_Error__Output | null);
}
