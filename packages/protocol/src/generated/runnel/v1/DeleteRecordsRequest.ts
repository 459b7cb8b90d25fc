// Original file: proto/runnel/v1/admin.proto

import type { DeleteRecordsPartition as _runnel_v1_DeleteRecordsPartition, DeleteRecordsPartition__Output as _runnel_v1_DeleteRecordsPartition__Output } from '../../runnel/v1/DeleteRecordsPartition.ts';

export interface DeleteRecordsRequest {
  'partitions'?: (_runnel_v1_DeleteRecordsPartition)[];
  /**
   * How long a partition's leader waits for its in-sync followers to delete the records too
   * (each reports its log start in its next ReplicaFetch); 0 means 30000. After it, the partition
   * is answered REQUEST_TIMED_OUT: the leader has deleted them, the followers follow later.
   */
  'timeoutMs'?: (number);
}

export interface DeleteRecordsRequest__Output {
  'partitions': (_runnel_v1_DeleteRecordsPartition__Output)[];
  /**
   * How long a partition's leader waits for its in-sync followers to delete the records too
   * (each reports its log start in its next ReplicaFetch); 0 means 30000. After it, the partition
   * is answered REQUEST_TIMED_OUT: the leader has deleted them, the followers follow later.
   */
  'timeoutMs': (number);
}
