// Original file: proto/runnel/v1/replica.proto

import type { OffsetForLeaderEpochPartition as _runnel_v1_OffsetForLeaderEpochPartition, OffsetForLeaderEpochPartition__Output as _runnel_v1_OffsetForLeaderEpochPartition__Output } from '../../runnel/v1/OffsetForLeaderEpochPartition.ts';
import type { Long } from '@grpc/proto-loader';

export interface OffsetForLeaderEpochRequest {
  'replicaId'?: (number);
  'brokerEpoch'?: (number | string | Long);
  'partitions'?: (_runnel_v1_OffsetForLeaderEpochPartition)[];
}

export interface OffsetForLeaderEpochRequest__Output {
  'replicaId': (number);
  'brokerEpoch': (number);
  'partitions': (_runnel_v1_OffsetForLeaderEpochPartition__Output)[];
}
