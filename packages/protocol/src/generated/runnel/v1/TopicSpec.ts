// Original file: proto/runnel/v1/admin.proto


export interface TopicSpec {
  'name'?: (string);
  'partitions'?: (number);
  'replicationFactor'?: (number);
  /**
   * Kafka-style topic configs: retention.ms, retention.bytes, segment.bytes, segment.ms,
   * cleanup.policy, max.message.bytes, min.insync.replicas, durability (fsync | replicated), ...
   */
  'configs'?: ({[key: string]: string});
}

export interface TopicSpec__Output {
  'name': (string);
  'partitions': (number);
  'replicationFactor': (number);
  /**
   * Kafka-style topic configs: retention.ms, retention.bytes, segment.bytes, segment.ms,
   * cleanup.policy, max.message.bytes, min.insync.replicas, durability (fsync | replicated), ...
   */
  'configs': ({[key: string]: string});
}
