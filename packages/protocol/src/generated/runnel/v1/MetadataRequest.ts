// Original file: proto/runnel/v1/log.proto


export interface MetadataRequest {
  /**
   * Empty means every topic.
   */
  'topics'?: (string)[];
}

export interface MetadataRequest__Output {
  /**
   * Empty means every topic.
   */
  'topics': (string)[];
}
