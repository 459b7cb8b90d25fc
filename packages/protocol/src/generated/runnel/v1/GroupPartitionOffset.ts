// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface GroupPartitionOffset {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * -1 when nothing is committed.
   */
  'committedOffset'?: (number | string | Long);
  /**
   * The partition's high watermark (what a consumer can read up to), or -1 when unknown.
   */
  'logEndOffset'?: (number | string | Long);
  /**
   * log_end_offset - committed_offset (log_end_offset - log_start_offset when nothing is
   * committed), or -1 when unknown.
   */
  'lag'?: (number | string | Long);
  /**
   * The member that owns the partition now, if any.
   */
  'memberId'?: (string);
  'error'?: (_runnel_v1_Error | null);
}

export interface GroupPartitionOffset__Output {
  'topic': (string);
  'partition': (number);
  /**
   * -1 when nothing is committed.
   */
  'committedOffset': (number);
  /**
   * The partition's high watermark (what a consumer can read up to), or -1 when unknown.
   */
  'logEndOffset': (number);
  /**
   * log_end_offset - committed_offset (log_end_offset - log_start_offset when nothing is
   * committed), or -1 when unknown.
   */
  'lag': (number);
  /**
   * The member that owns the partition now, if any.
   */
  'memberId': (string);
  'error': (_runnel_v1_Error__Output | null);
}
