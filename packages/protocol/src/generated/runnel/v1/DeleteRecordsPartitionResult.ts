// Original file: proto/runnel/v1/admin.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface DeleteRecordsPartitionResult {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * The smallest log start over the leader and its in-sync followers once all have reached the
   * offset (Kafka's low watermark); -1 with an error.
   */
  'lowWatermark'?: (number | string | Long);
  'error'?: (_runnel_v1_Error | null);
}

export interface DeleteRecordsPartitionResult__Output {
  'topic': (string);
  'partition': (number);
  /**
   * The smallest log start over the leader and its in-sync followers once all have reached the
   * offset (Kafka's low watermark); -1 with an error.
   */
  'lowWatermark': (number);
  'error': (_runnel_v1_Error__Output | null);
}
