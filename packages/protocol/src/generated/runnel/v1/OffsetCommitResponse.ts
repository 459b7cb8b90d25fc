// Original file: proto/runnel/v1/group.proto

import type { OffsetCommitPartitionResponse as _runnel_v1_OffsetCommitPartitionResponse, OffsetCommitPartitionResponse__Output as _runnel_v1_OffsetCommitPartitionResponse__Output } from '../../runnel/v1/OffsetCommitPartitionResponse.ts';

export interface OffsetCommitResponse {
  'partitions'?: (_runnel_v1_OffsetCommitPartitionResponse)[];
}

export interface OffsetCommitResponse__Output {
  'partitions': (_runnel_v1_OffsetCommitPartitionResponse__Output)[];
}
