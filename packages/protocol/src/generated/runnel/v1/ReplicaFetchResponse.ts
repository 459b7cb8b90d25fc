// Original file: proto/runnel/v1/replica.proto

import type { ReplicaFetchPartitionResponse as _runnel_v1_ReplicaFetchPartitionResponse, ReplicaFetchPartitionResponse__Output as _runnel_v1_ReplicaFetchPartitionResponse__Output } from '../../runnel/v1/ReplicaFetchPartitionResponse.ts';

export interface ReplicaFetchResponse {
  'partitions'?: (_runnel_v1_ReplicaFetchPartitionResponse)[];
}

export interface ReplicaFetchResponse__Output {
  'partitions': (_runnel_v1_ReplicaFetchPartitionResponse__Output)[];
}
