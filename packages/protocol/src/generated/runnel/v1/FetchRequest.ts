// Original file: proto/runnel/v1/log.proto

import type { FetchPartition as _runnel_v1_FetchPartition, FetchPartition__Output as _runnel_v1_FetchPartition__Output } from '../../runnel/v1/FetchPartition.ts';

export interface FetchRequest {
  'maxWaitMs'?: (number);
  'minBytes'?: (number);
  'maxBytes'?: (number);
  'partitions'?: (_runnel_v1_FetchPartition)[];
}

export interface FetchRequest__Output {
  'maxWaitMs': (number);
  'minBytes': (number);
  'maxBytes': (number);
  'partitions': (_runnel_v1_FetchPartition__Output)[];
}
