// Original file: proto/runnel/v1/replica.proto

import type { ReplicaFetchPartition as _runnel_v1_ReplicaFetchPartition, ReplicaFetchPartition__Output as _runnel_v1_ReplicaFetchPartition__Output } from '../../runnel/v1/ReplicaFetchPartition.ts';
import type { Long } from '@grpc/proto-loader';

export interface ReplicaFetchRequest {
  'replicaId'?: (number);
  'brokerEpoch'?: (number | string | Long);
  'maxWaitMs'?: (number);
  'maxBytes'?: (number);
  'partitions'?: (_runnel_v1_ReplicaFetchPartition)[];
}

export interface ReplicaFetchRequest__Output {
  'replicaId': (number);
  'brokerEpoch': (number);
  'maxWaitMs': (number);
  'maxBytes': (number);
  'partitions': (_runnel_v1_ReplicaFetchPartition__Output)[];
}
