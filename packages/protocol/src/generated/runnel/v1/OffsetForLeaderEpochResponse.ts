// Original file: proto/runnel/v1/replica.proto

import type { OffsetForLeaderEpochPartitionResponse as _runnel_v1_OffsetForLeaderEpochPartitionResponse, OffsetForLeaderEpochPartitionResponse__Output as _runnel_v1_OffsetForLeaderEpochPartitionResponse__Output } from '../../runnel/v1/OffsetForLeaderEpochPartitionResponse.ts';

export interface OffsetForLeaderEpochResponse {
  'partitions'?: (_runnel_v1_OffsetForLeaderEpochPartitionResponse)[];
}

export interface OffsetForLeaderEpochResponse__Output {
  'partitions': (_runnel_v1_OffsetForLeaderEpochPartitionResponse__Output)[];
}
