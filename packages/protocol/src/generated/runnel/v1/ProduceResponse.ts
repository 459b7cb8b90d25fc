// Original file: proto/runnel/v1/log.proto

import type { ProducePartitionResponse as _runnel_v1_ProducePartitionResponse, ProducePartitionResponse__Output as _runnel_v1_ProducePartitionResponse__Output } from '../../runnel/v1/ProducePartitionResponse.ts';
import type { Long } from '@grpc/proto-loader';

export interface ProduceResponse {
  'correlationId'?: (number | string | Long);
  'partitions'?: (_runnel_v1_ProducePartitionResponse)[];
}

export interface ProduceResponse__Output {
  'correlationId': (number);
  'partitions': (_runnel_v1_ProducePartitionResponse__Output)[];
}
