// Original file: proto/runnel/v1/log.proto

import type { FetchPartitionResponse as _runnel_v1_FetchPartitionResponse, FetchPartitionResponse__Output as _runnel_v1_FetchPartitionResponse__Output } from '../../runnel/v1/FetchPartitionResponse.ts';

export interface FetchResponse {
  'partitions'?: (_runnel_v1_FetchPartitionResponse)[];
}

export interface FetchResponse__Output {
  'partitions': (_runnel_v1_FetchPartitionResponse__Output)[];
}
