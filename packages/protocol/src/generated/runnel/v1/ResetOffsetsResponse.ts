// Original file: proto/runnel/v1/group.proto

import type { ResetPartitionResult as _runnel_v1_ResetPartitionResult, ResetPartitionResult__Output as _runnel_v1_ResetPartitionResult__Output } from '../../runnel/v1/ResetPartitionResult.ts';

export interface ResetOffsetsResponse {
  'partitions'?: (_runnel_v1_ResetPartitionResult)[];
}

export interface ResetOffsetsResponse__Output {
  'partitions': (_runnel_v1_ResetPartitionResult__Output)[];
}
