// Original file: proto/runnel/v1/admin.proto


export interface DescribeTopicsRequest {
  /**
   * Empty means every topic.
   */
  'names'?: (string)[];
}

export interface DescribeTopicsRequest__Output {
  /**
   * Empty means every topic.
   */
  'names': (string)[];
}
