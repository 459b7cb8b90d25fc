// Original file: proto/runnel/v1/group.proto

import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from '../../runnel/v1/TopicPartitions.ts';

/**
 * Fields with presence: absent means "unchanged since the last heartbeat", as in Kafka.
 */
export interface HeartbeatRequest {
  'groupId'?: (string);
  /**
   * Chosen by the client: a UUID kept for the life of the consumer.
   */
  'memberId'?: (string);
  /**
   * 0 joins, -1 leaves, -2 leaves for a while (static members), else the current epoch.
   */
  'memberEpoch'?: (number);
  /**
   * Static membership: the same id (e.g. the pod name) rejoins without a rebalance.
   */
  'instanceId'?: (string);
  /**
   * How long the member may take to revoke partitions (ms). Default 300000.
   */
  'rebalanceTimeoutMs'?: (number);
  /**
   * Topic names subscribed to (sent on join and when they change).
   */
  'subscribedTopicNames'?: (string)[];
  /**
   * True when subscribed_topic_names is set (so that an empty list can be sent).
   */
  'subscribedTopicNamesSet'?: (boolean);
  /**
   * A regular expression over topic names (anchored), instead of names.
   */
  'subscribedTopicRegex'?: (string);
  /**
   * A server assignor: "uniform" (the default) or "range".
   */
  'serverAssignor'?: (string);
  /**
   * The partitions the member owns now.
   */
  'ownedPartitions'?: (_runnel_v1_TopicPartitions)[];
  /**
   * True when owned_partitions is set.
   */
  'ownedPartitionsSet'?: (boolean);
  '_instanceId'?: "instanceId";
  '_rebalanceTimeoutMs'?: "rebalanceTimeoutMs";
  '_subscribedTopicRegex'?: "subscribedTopicRegex";
  '_serverAssignor'?: "serverAssignor";
}

/**
 * Fields with presence: absent means "unchanged since the last heartbeat", as in Kafka.
 */
export interface HeartbeatRequest__Output {
  'groupId': (string);
  /**
   * Chosen by the client: a UUID kept for the life of the consumer.
   */
  'memberId': (string);
  /**
   * 0 joins, -1 leaves, -2 leaves for a while (static members), else the current epoch.
   */
  'memberEpoch': (number);
  /**
   * Static membership: the same id (e.g. the pod name) rejoins without a rebalance.
   */
  'instanceId'?: (string);
  /**
   * How long the member may take to revoke partitions (ms). Default 300000.
   */
  'rebalanceTimeoutMs'?: (number);
  /**
   * Topic names subscribed to (sent on join and when they change).
   */
  'subscribedTopicNames': (string)[];
  /**
   * True when subscribed_topic_names is set (so that an empty list can be sent).
   */
  'subscribedTopicNamesSet': (boolean);
  /**
   * A regular expression over topic names (anchored), instead of names.
   */
  'subscribedTopicRegex'?: (string);
  /**
   * A server assignor: "uniform" (the default) or "range".
   */
  'serverAssignor'?: (string);
  /**
   * The partitions the member owns now.
   */
  'ownedPartitions': (_runnel_v1_TopicPartitions__Output)[];
  /**
   * True when owned_partitions is set.
   */
  'ownedPartitionsSet': (boolean);
  '_instanceId'?: "instanceId";
  '_rebalanceTimeoutMs'?: "rebalanceTimeoutMs";
  '_subscribedTopicRegex'?: "subscribedTopicRegex";
  '_serverAssignor'?: "serverAssignor";
}
