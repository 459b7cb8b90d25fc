import { RunnelError } from '@runnel/protocol';

/** Longest file name most filesystems allow (ext4, xfs, btrfs: NAME_MAX). */
const FILE_NAME_MAX_BYTES = 255;

/**
 * Digits of the largest partition number: partition counts stay below 100 000 (the Topic CRD's
 * maximum; the Admin API allows 10 000), so a partition number has at most 5 digits.
 */
const PARTITION_NUMBER_DIGITS = 5;

/**
 * The longest name a partition gives a directory entry of the data directory: its directory
 * `<topic>-<partition>-<topicId8>` while it lives, and `<that>.<8 hex>-delete` while it is being
 * deleted (storage's data-directory.ts). Everything but the topic name takes this many bytes.
 */
const PARTITION_DIR_OVERHEAD = '-'.length + PARTITION_NUMBER_DIGITS + '-'.length + 8 + '.'.length + 8 + '-delete'.length;

/**
 * Longest topic name: every name that validation accepts fits the filesystem as a partition
 * directory (255 - 31 = 224). Kafka's 249 is the same rule for its shorter `<topic>-<partition>`
 * directories; Runnel's directory names carry the topic id and a deletion suffix as well.
 */
export const MAX_TOPIC_NAME_LENGTH = FILE_NAME_MAX_BYTES - PARTITION_DIR_OVERHEAD;

const LEGAL = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name against Kafka's rules with Runnel's length limit: 1 to
 * {@link MAX_TOPIC_NAME_LENGTH} characters from `[a-zA-Z0-9._-]`, and neither `.` nor `..` (they
 * would name a directory of the data dir itself).
 * @throws RunnelError INVALID_TOPIC_NAME naming what is wrong.
 */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new RunnelError('INVALID_TOPIC_NAME', 'Invalid topic name: the name is empty');
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new RunnelError(
      'INVALID_TOPIC_NAME',
      `Invalid topic name "${name.slice(0, 40)}…": ${name.length} characters, the limit is ${MAX_TOPIC_NAME_LENGTH} (a partition directory <topic>-<partition>-<id> must fit the filesystem's 255-byte file names)`,
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
