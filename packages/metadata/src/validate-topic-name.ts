import { RunnelError } from '@runnel/protocol';

/** Longest topic name, as Kafka: leaves room for `-<partition>-<topicId8>` in a directory name. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name against Kafka's rules: 1 to 249 characters from `[a-zA-Z0-9._-]`, and
 * neither `.` nor `..` (they would name a directory of the data dir itself).
 * @throws RunnelError INVALID_TOPIC_NAME naming what is wrong.
 */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new RunnelError('INVALID_TOPIC_NAME', 'Invalid topic name: the name is empty');
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new RunnelError(
      'INVALID_TOPIC_NAME',
      `Invalid topic name "${name.slice(0, 40)}…": ${name.length} characters, the limit is ${MAX_TOPIC_NAME_LENGTH}`,
    );
  }
  if (name === '.' || name === '..') {
    throw new RunnelError('INVALID_TOPIC_NAME', `Invalid topic name "${name}": "." and ".." are reserved`);
  }
  if (!LEGAL.test(name)) {
    const bad = [...name].find((c) => !LEGAL.test(c)) ?? '';
    throw new RunnelError(
      'INVALID_TOPIC_NAME',
      `Invalid topic name ${JSON.stringify(name)}: character ${JSON.stringify(bad)} is not allowed (only ASCII letters, digits, '.', '_' and '-')`,
    );
  }
}
