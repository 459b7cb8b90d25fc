// Original file: proto/runnel/v1/replica.proto

import type { Long } from '@grpc/proto-loader';

export interface ReplicaFetchPartition {
  'topic'?: (string);
  'partition'?: (number);
  'topicId'?: (string);
  /**
   * The leader epoch the follower follows.
   */
  'leaderEpoch'?: (number);
  /**
   * Epoch of the last batch in the follower's log (-1 when empty): the leader checks it against
   * its epoch cache and answers diverging_epoch when the follower's log diverges (KIP-595 style).
   */
  'lastFetchedEpoch'?: (number);
  /**
   * The follower's log end: everything below it is in the follower's log (flushed, in fsync
   * durability). The leader treats it as the follower's position.
   */
  'fetchOffset'?: (number | string | Long);
  'maxBytes'?: (number);
  /**
   * The follower's log start. The leader answers DeleteRecords once every in-sync follower's log
   * start has reached the deleted offset (Kafka's low watermark, KIP-107).
   */
  'logStartOffset'?: (number | string | Long);
}

export interface ReplicaFetchPartition__Output {
  'topic': (string);
  'partition': (number);
  'topicId': (string);
  /**
   * The leader epoch the follower follows.
   */
  'leaderEpoch': (number);
  /**
   * Epoch of the last batch in the follower's log (-1 when empty): the leader checks it against
   * its epoch cache and answers diverging_epoch when the follower's log diverges (KIP-595 style).
   */
  'lastFetchedEpoch': (number);
  /**
   * The follower's log end: everything below it is in the follower's log (flushed, in fsync
   * durability). The leader treats it as the follower's position.
   */
  'fetchOffset': (number);
  'maxBytes': (number);
  /**
   * The follower's log start. The leader answers DeleteRecords once every in-sync follower's log
   * start has reached the deleted offset (Kafka's low watermark, KIP-107).
   */
  'logStartOffset': (number);
}
