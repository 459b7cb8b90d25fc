// Original file: proto/runnel/v1/log.proto

import type { ListOffsetsPartitionResponse as _runnel_v1_ListOffsetsPartitionResponse, ListOffsetsPartitionResponse__Output as _runnel_v1_ListOffsetsPartitionResponse__Output } from '../../runnel/v1/ListOffsetsPartitionResponse.ts';

export interface ListOffsetsResponse {
  'partitions'?: (_runnel_v1_ListOffsetsPartitionResponse)[];
}

export interface ListOffsetsResponse__Output {
  'partitions': (_runnel_v1_ListOffsetsPartitionResponse__Output)[];
}
