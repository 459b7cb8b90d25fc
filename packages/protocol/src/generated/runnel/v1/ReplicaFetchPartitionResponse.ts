// Original file: proto/runnel/v1/replica.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { EpochEndOffset as _runnel_v1_EpochEndOffset, EpochEndOffset__Output as _runnel_v1_EpochEndOffset__Output } from '../../runnel/v1/EpochEndOffset.ts';
import type { Long } from '@grpc/proto-loader';

export interface ReplicaFetchPartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  'highWatermark'?: (number | string | Long);
  'logStartOffset'?: (number | string | Long);
  'logEndOffset'?: (number | string | Long);
  /**
   * Whole RecordBatch v2 bytes starting at fetch_offset, with offsets and epochs as stored.
   */
  'records'?: (Buffer | Uint8Array | string);
  /**
   * Set when the follower must truncate before appending: the largest epoch <= last_fetched_epoch
   * the leader knows and where it ends in the leader's log.
   */
  'divergingEpoch'?: (_runnel_v1_EpochEndOffset | null);
}

export interface ReplicaFetchPartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  'highWatermark': (number);
  'logStartOffset': (number);
  'logEndOffset': (number);
  /**
   * Whole RecordBatch v2 bytes starting at fetch_offset, with offsets and epochs as stored.
   */
  'records': (Buffer);
  /**
   * Set when the follower must truncate before appending: the largest epoch <= last_fetched_epoch
   * the leader knows and where it ends in the leader's log.
   */
  'divergingEpoch': (_runnel_v1_EpochEndOffset__Output | null);
}
