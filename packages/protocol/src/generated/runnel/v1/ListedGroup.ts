// Original file: proto/runnel/v1/group.proto


export interface ListedGroup {
  'groupId'?: (string);
  /**
   * Empty, Reconciling or Stable.
   */
  'state'?: (string);
  'members'?: (number);
  'coordinatorId'?: (number);
}

export interface ListedGroup__Output {
  'groupId': (string);
  /**
   * Empty, Reconciling or Stable.
   */
  'state': (string);
  'members': (number);
  'coordinatorId': (number);
}
