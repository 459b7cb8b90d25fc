// Original file: proto/runnel/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface DeleteRecordsPartition {
  'topic'?: (string);
  'partition'?: (number);
  /**
   * Records below this offset are deleted. -1 means the high watermark (every committed record);
   * an offset above the high watermark is answered OFFSET_OUT_OF_RANGE.
   */
  'offset'?: (number | string | Long);
}

export interface DeleteRecordsPartition__Output {
  'topic': (string);
  'partition': (number);
  /**
   * Records below this offset are deleted. -1 means the high watermark (every committed record);
   * an offset above the high watermark is answered OFFSET_OUT_OF_RANGE.
   */
  'offset': (number);
}
