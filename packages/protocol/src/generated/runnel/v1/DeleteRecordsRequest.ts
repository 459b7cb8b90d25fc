// Original file: proto/runnel/v1/admin.proto

import type { DeleteRecordsPartition as _runnel_v1_DeleteRecordsPartition, DeleteRecordsPartition__Output as _runnel_v1_DeleteRecordsPartition__Output } from '../../runnel/v1/DeleteRecordsPartition.ts';

export interface DeleteRecordsRequest {
  'partitions'?: (_runnel_v1_DeleteRecordsPartition)[];
}

export interface DeleteRecordsRequest__Output {
  'partitions': (_runnel_v1_DeleteRecordsPartition__Output)[];
}
