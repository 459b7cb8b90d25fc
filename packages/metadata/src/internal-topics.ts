/**
 * The internal topic of consumer group state and committed offsets (Kafka's name). Brokers create
 * it on the first group request in local mode; on Kubernetes the operator declares it as a Topic
 * of each Cluster (brokers may only read Topics).
 */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Kafka's `offsets.topic.num.partitions`. */
export const DEFAULT_OFFSETS_TOPIC_PARTITIONS = 50;
