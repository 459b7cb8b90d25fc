// Original file: proto/runnel/v1/group.proto


export interface FindCoordinatorRequest {
  'groupId'?: (string);
}

export interface FindCoordinatorRequest__Output {
  'groupId': (string);
}
