// Original file: proto/runnel/v1/group.proto


export interface ListGroupsRequest {
  /**
   * Ask every broker (this one fans out); otherwise only this broker's groups.
   */
  'allBrokers'?: (boolean);
}

export interface ListGroupsRequest__Output {
  /**
   * Ask every broker (this one fans out); otherwise only this broker's groups.
   */
  'allBrokers': (boolean);
}
