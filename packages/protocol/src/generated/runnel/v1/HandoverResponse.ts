// Original file: proto/runnel/v1/replica.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface HandoverResponse {
  'error'?: (_runnel_v1_Error | null);
  /**
   * The new leader epoch on success.
   */
  'leaderEpoch'?: (number);
}

export interface HandoverResponse__Output {
  'error': (_runnel_v1_Error__Output | null);
  /**
   * The new leader epoch on success.
   */
  'leaderEpoch': (number);
}
