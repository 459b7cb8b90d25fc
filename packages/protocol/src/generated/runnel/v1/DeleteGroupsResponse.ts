// Original file: proto/runnel/v1/group.proto

import type { DeleteGroupResult as _runnel_v1_DeleteGroupResult, DeleteGroupResult__Output as _runnel_v1_DeleteGroupResult__Output } from '../../runnel/v1/DeleteGroupResult.ts';

export interface DeleteGroupsResponse {
  'groups'?: (_runnel_v1_DeleteGroupResult)[];
}

export interface DeleteGroupsResponse__Output {
  'groups': (_runnel_v1_DeleteGroupResult__Output)[];
}
