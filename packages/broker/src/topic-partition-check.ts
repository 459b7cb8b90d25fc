import { RunnelError } from '@runnel/protocol';
import { validateTopicName, type TopicDefinition } from '@runnel/metadata';

/**
 * The topic's definition when `topic`/`partition` exists, else why a client request for it cannot
 * be served whatever this broker's role: INVALID_TOPIC_NAME for a name no topic can have,
 * UNKNOWN_TOPIC, or UNKNOWN_PARTITION naming the valid range. The first step of the partition
 * directory's one leader lookup.
 */
export function existingTopicPartition(definition: TopicDefinition | undefined, topic: string, partition: number): TopicDefinition | RunnelError {
  if (definition === undefined) {
    try {
      validateTopicName(topic);
    } catch (err) {
      return err as RunnelError;
    }
    return new RunnelError('UNKNOWN_TOPIC', `Topic ${JSON.stringify(topic)} does not exist`);
  }
  if (!Number.isInteger(partition) || partition < 0 || partition >= definition.partitions) {
    return new RunnelError(
      'UNKNOWN_PARTITION',
      `Topic ${topic} has ${definition.partitions} partition(s) (0..${definition.partitions - 1}); partition ${partition} does not exist`,
    );
  }
  return definition;
}
