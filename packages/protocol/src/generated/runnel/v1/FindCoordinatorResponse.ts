// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface FindCoordinatorResponse {
  /**
   * The coordinator broker, or -1 when the offsets partition has no leader right now (then
   * `error` is COORDINATOR_NOT_AVAILABLE).
   */
  'nodeId'?: (number);
  'host'?: (string);
  'port'?: (number);
  /**
   * The partition of __consumer_offsets the group lives in.
   */
  'offsetsPartition'?: (number);
  'error'?: (_runnel_v1_Error | null);
}

export interface FindCoordinatorResponse__Output {
  /**
   * The coordinator broker, or -1 when the offsets partition has no leader right now (then
   * `error` is COORDINATOR_NOT_AVAILABLE).
   */
  'nodeId': (number);
  'host': (string);
  'port': (number);
  /**
   * The partition of __consumer_offsets the group lives in.
   */
  'offsetsPartition': (number);
  'error': (_runnel_v1_Error__Output | null);
}
