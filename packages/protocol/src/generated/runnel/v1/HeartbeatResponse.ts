// Original file: proto/runnel/v1/group.proto

import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from '../../runnel/v1/TopicPartitions.ts';

export interface HeartbeatResponse {
  'memberId'?: (string);
  'memberEpoch'?: (number);
  /**
   * How often to heartbeat, set by the server.
   */
  'heartbeatIntervalMs'?: (number);
  /**
   * True when `assignment` is sent (it is then the full set the member may consume now);
   * false means unchanged.
   */
  'hasAssignment'?: (boolean);
  'assignment'?: (_runnel_v1_TopicPartitions)[];
}

export interface HeartbeatResponse__Output {
  'memberId': (string);
  'memberEpoch': (number);
  /**
   * How often to heartbeat, set by the server.
   */
  'heartbeatIntervalMs': (number);
  /**
   * True when `assignment` is sent (it is then the full set the member may consume now);
   * false means unchanged.
   */
  'hasAssignment': (boolean);
  'assignment': (_runnel_v1_TopicPartitions__Output)[];
}
