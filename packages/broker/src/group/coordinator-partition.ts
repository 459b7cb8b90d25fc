import { RunnelError } from '@runnel/protocol';

// Shared with the operator, which declares the topic on Kubernetes.
export { OFFSETS_TOPIC, DEFAULT_OFFSETS_TOPIC_PARTITIONS } from '@runnel/metadata';

/** Longest group id (Kafka allows any length; Runnel bounds it so keys and logs stay small). */
export const MAX_GROUP_ID_LENGTH = 255;

/** Java's `String.hashCode()`: `s[0]*31^(n-1) + … + s[n-1]` over UTF-16 code units, as a 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The offsets partition a group lives in: `Utils.abs(groupId.hashCode()) % partitions`, as
 * Kafka's GroupCoordinator computes it (Kafka's `Utils.abs` maps Integer.MIN_VALUE to 0), so a
 * group id lands on the same partition number as in Kafka.
 */
export function offsetsPartitionFor(groupId: string, partitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}

/**
 * Checks a group id: 1..255 characters.
 * @throws RunnelError INVALID_GROUP_ID naming what is wrong
 */
export function validateGroupId(groupId: string): void {
  if (groupId.length === 0) throw new RunnelError('INVALID_GROUP_ID', 'Invalid group id: it is empty (expected 1-255 characters)');
  if (groupId.length > MAX_GROUP_ID_LENGTH) {
    throw new RunnelError('INVALID_GROUP_ID', `Invalid group id ${JSON.stringify(groupId.slice(0, 40))}…: ${groupId.length} characters, over the limit of ${MAX_GROUP_ID_LENGTH}`);
  }
}
