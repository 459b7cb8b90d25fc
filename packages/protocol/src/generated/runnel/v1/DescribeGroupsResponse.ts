// Original file: proto/runnel/v1/group.proto

import type { GroupDescription as _runnel_v1_GroupDescription, GroupDescription__Output as _runnel_v1_GroupDescription__Output } from '../../runnel/v1/GroupDescription.ts';

export interface DescribeGroupsResponse {
  'groups'?: (_runnel_v1_GroupDescription)[];
}

export interface DescribeGroupsResponse__Output {
  'groups': (_runnel_v1_GroupDescription__Output)[];
}
