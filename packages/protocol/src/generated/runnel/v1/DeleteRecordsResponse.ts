// Original file: proto/runnel/v1/admin.proto

import type { DeleteRecordsPartitionResult as _runnel_v1_DeleteRecordsPartitionResult, DeleteRecordsPartitionResult__Output as _runnel_v1_DeleteRecordsPartitionResult__Output } from '../../runnel/v1/DeleteRecordsPartitionResult.ts';

export interface DeleteRecordsResponse {
  'partitions'?: (_runnel_v1_DeleteRecordsPartitionResult)[];
}

export interface DeleteRecordsResponse__Output {
  'partitions': (_runnel_v1_DeleteRecordsPartitionResult__Output)[];
}
