// Original file: proto/runnel/v1/replica.proto


export interface HandoverRequest {
  'topic'?: (string);
  'partition'?: (number);
  'topicId'?: (string);
  /**
   * The broker to take over; must be in the ISR with its live broker epoch.
   */
  'targetBrokerId'?: (number);
  /**
   * How long the leader may pause produce while the target catches up.
   */
  'timeoutMs'?: (number);
}

export interface HandoverRequest__Output {
  'topic': (string);
  'partition': (number);
  'topicId': (string);
  /**
   * The broker to take over; must be in the ISR with its live broker epoch.
   */
  'targetBrokerId': (number);
  /**
   * How long the leader may pause produce while the target catches up.
   */
  'timeoutMs': (number);
}
