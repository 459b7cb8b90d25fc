// Original file: proto/runnel/v1/group.proto

import type { OffsetCommitPartition as _runnel_v1_OffsetCommitPartition, OffsetCommitPartition__Output as _runnel_v1_OffsetCommitPartition__Output } from '../../runnel/v1/OffsetCommitPartition.ts';

export interface OffsetCommitRequest {
  'groupId'?: (string);
  /**
   * Empty with member_epoch -1 for an admin or a manually assigned consumer: then the group must
   * have no members (it is created when it does not exist).
   */
  'memberId'?: (string);
  'memberEpoch'?: (number);
  'partitions'?: (_runnel_v1_OffsetCommitPartition)[];
}

export interface OffsetCommitRequest__Output {
  'groupId': (string);
  /**
   * Empty with member_epoch -1 for an admin or a manually assigned consumer: then the group must
   * have no members (it is created when it does not exist).
   */
  'memberId': (string);
  'memberEpoch': (number);
  'partitions': (_runnel_v1_OffsetCommitPartition__Output)[];
}
