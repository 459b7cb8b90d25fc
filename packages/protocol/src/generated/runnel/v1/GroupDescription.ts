// Original file: proto/runnel/v1/group.proto

import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';
import type { GroupMemberDescription as _runnel_v1_GroupMemberDescription, GroupMemberDescription__Output as _runnel_v1_GroupMemberDescription__Output } from '../../runnel/v1/GroupMemberDescription.ts';
import type { GroupPartitionOffset as _runnel_v1_GroupPartitionOffset, GroupPartitionOffset__Output as _runnel_v1_GroupPartitionOffset__Output } from '../../runnel/v1/GroupPartitionOffset.ts';

export interface GroupDescription {
  'groupId'?: (string);
  'error'?: (_runnel_v1_Error | null);
  /**
   * Empty, Reconciling or Stable.
   */
  'state'?: (string);
  'groupEpoch'?: (number);
  'assignmentEpoch'?: (number);
  'coordinatorId'?: (number);
  'members'?: (_runnel_v1_GroupMemberDescription)[];
  'offsets'?: (_runnel_v1_GroupPartitionOffset)[];
}

export interface GroupDescription__Output {
  'groupId': (string);
  'error': (_runnel_v1_Error__Output | null);
  /**
   * Empty, Reconciling or Stable.
   */
  'state': (string);
  'groupEpoch': (number);
  'assignmentEpoch': (number);
  'coordinatorId': (number);
  'members': (_runnel_v1_GroupMemberDescription__Output)[];
  'offsets': (_runnel_v1_GroupPartitionOffset__Output)[];
}
