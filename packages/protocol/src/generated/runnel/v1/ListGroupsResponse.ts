// Original file: proto/runnel/v1/group.proto

import type { ListedGroup as _runnel_v1_ListedGroup, ListedGroup__Output as _runnel_v1_ListedGroup__Output } from '../../runnel/v1/ListedGroup.ts';
import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from '../../runnel/v1/Error.ts';

export interface ListGroupsResponse {
  'groups'?: (_runnel_v1_ListedGroup)[];
  /**
   * Brokers that did not answer a fan-out (their groups are missing).
   */
  'errors'?: (_runnel_v1_Error)[];
}

export interface ListGroupsResponse__Output {
  'groups': (_runnel_v1_ListedGroup__Output)[];
  /**
   * Brokers that did not answer a fan-out (their groups are missing).
   */
  'errors': (_runnel_v1_Error__Output)[];
}
