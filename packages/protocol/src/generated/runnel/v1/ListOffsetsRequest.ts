// Original file: proto/runnel/v1/log.proto

import type { ListOffsetsPartition as _runnel_v1_ListOffsetsPartition, ListOffsetsPartition__Output as _runnel_v1_ListOffsetsPartition__Output } from '../../runnel/v1/ListOffsetsPartition.ts';

export interface ListOffsetsRequest {
  'partitions'?: (_runnel_v1_ListOffsetsPartition)[];
}

export interface ListOffsetsRequest__Output {
  'partitions': (_runnel_v1_ListOffsetsPartition__Output)[];
}
