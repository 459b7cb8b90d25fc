// Original file: proto/runnel/v1/log.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { Long } from '@grpc/proto-loader';

export interface FetchPartitionResponse {
  'topic'?: (string);
  'partition'?: (number);
  'error'?: (_runnel_v1_Error | null);
  'highWatermark'?: (number | string | Long);
  'logStartOffset'?: (number | string | Long);
  'logEndOffset'?: (number | string | Long);
  /**
   * Whole RecordBatch v2 bytes as stored, never re-encoded. May start before the requested offset
   * (a batch is never split); clients skip records below it.
   */
  'records'?: (Buffer | Uint8Array | string);
}

export interface FetchPartitionResponse__Output {
  'topic': (string);
  'partition': (number);
  'error': (_runnel_v1_Error__Output | null);
  'highWatermark': (number);
  'logStartOffset': (number);
  'logEndOffset': (number);
  /**
   * Whole RecordBatch v2 bytes as stored, never re-encoded. May start before the requested offset
   * (a batch is never split); clients skip records below it.
   */
  'records': (Buffer);
}
