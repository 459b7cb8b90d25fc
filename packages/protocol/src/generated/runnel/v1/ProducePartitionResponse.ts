// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface ProducePartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  /**
   * Offset assigned to the first record of the first batch.
   */
  'baseOffset'?: (number | string | Long);
  'logAppendTime'?: (number | string | Long);
  'logStartOffset'?: (number | string | Long);
}

export interface ProducePartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  /**
   * Offset assigned to the first record of the first batch.
   */
  'baseOffset': (number);
  'logAppendTime': (number);
  'logStartOffset': (number);
}
