// Original file: proto/runnel/v1/group.proto

import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from '../../runnel/v1/TopicPartitions.ts';

export interface GroupMemberDescription {
  'memberId'?: (string);
  'instanceId'?: (string);
  'memberEpoch'?: (number);
  /**
   * STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS.
   */
  'state'?: (string);
  'subscribedTopicNames'?: (string)[];
  'subscribedTopicRegex'?: (string);
  'assignment'?: (_runnel_v1_TopicPartitions)[];
  'targetAssignment'?: (_runnel_v1_TopicPartitions)[];
  /**
   * A static member that left with epoch -2 and may come back.
   */
  'away'?: (boolean);
}

export interface GroupMemberDescription__Output {
  'memberId': (string);
  'instanceId': (string);
  'memberEpoch': (number);
  /**
   * STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS.
   */
  'state': (string);
  'subscribedTopicNames': (string)[];
  'subscribedTopicRegex': (string);
  'assignment': (_runnel_v1_TopicPartitions__Output)[];
  'targetAssignment': (_runnel_v1_TopicPartitions__Output)[];
  /**
   * A static member that left with epoch -2 and may come back.
   */
  'away': (boolean);
}
