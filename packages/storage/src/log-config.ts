/**
 * Per-partition log configuration and its parser from Kafka-style topic config keys.
 *
 * The parser owns only the storage keys (see {@link storageConfigKeys}); other topic keys such as
 * `min.insync.replicas` belong to the broker and are ignored here, so the broker can hand the whole
 * topic config map over without filtering it first.
 */
import { RunnelError } from '@runnel/protocol';

/** How a partition log stores, syncs, rolls, retains and compacts its data. */
export interface LogConfig {
  /** Roll to a new segment once the active one would exceed this size. @default 1 GiB */
  segmentBytes: number;
  /** Roll to a new segment once the active one is this old (ms since its first append). @default 7 days */
  segmentMs: number;
  /** Delete closed segments whose newest record is older than this; -1 keeps forever. @default 7 days */
  retentionMs: number;
  /** Delete the oldest closed segments while the log is larger than this; -1 = unlimited. @default -1 */
  retentionBytes: number;
  /** `delete` (retention), `compact` (latest record per key) or both. @default 'delete' */
  cleanupPolicy: 'delete' | 'compact' | 'compact,delete';
  /**
   * `fsync`: an append resolves after the group-commit fdatasync that covers it.
   * `replicated`: an append resolves after the write; data is flushed every flushIntervalMs.
   * @default 'fsync'
   */
  durability: 'fsync' | 'replicated';
  /** Period of the background flush in `replicated` mode. @default 1000 */
  flushIntervalMs: number;
  /** Bytes of log between two sparse index entries. @default 4096 */
  indexIntervalBytes: number;
  /** Largest batch accepted (Kafka's max.message.bytes). @default 1048588 */
  maxBatchBytes: number;
  /** How long a tombstone survives once it is eligible for compaction. @default 1 day */
  deleteRetentionMs: number;
  /** Records younger than this are never compacted. @default 0 */
  minCompactionLagMs: number;
  /** Whether batch timestamps come from the producer or are stamped by the broker. @default 'create' */
  timestampType: 'create' | 'logAppend';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The defaults, matching Kafka's except for `durability` (Runnel syncs by default). */
export const defaultLogConfig: LogConfig = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * DAY_MS,
  retentionMs: 7 * DAY_MS,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  durability: 'fsync',
  flushIntervalMs: 1000,
  indexIntervalBytes: 4096,
  maxBatchBytes: 1048588,
  deleteRetentionMs: DAY_MS,
  minCompactionLagMs: 0,
  timestampType: 'create',
});

type IntegerKey = 'segmentBytes' | 'segmentMs' | 'retentionMs' | 'retentionBytes' | 'flushIntervalMs'
  | 'indexIntervalBytes' | 'maxBatchBytes' | 'deleteRetentionMs' | 'minCompactionLagMs';

/** Integer keys: [config key, field, minimum, maximum, whether -1 means "unlimited"]. */
const integerKeys: ReadonlyArray<readonly [string, IntegerKey, number, number, boolean]> = [
  // A segment's positions are stored as uint32 in the index and must stay below 2^31.
  ['segment.bytes', 'segmentBytes', 128, 2 ** 31 - 1, false],
  ['segment.ms', 'segmentMs', 1, Number.MAX_SAFE_INTEGER, false],
  ['retention.ms', 'retentionMs', 0, Number.MAX_SAFE_INTEGER, true],
  ['retention.bytes', 'retentionBytes', 0, Number.MAX_SAFE_INTEGER, true],
  ['flush.ms', 'flushIntervalMs', 1, 2 ** 31 - 1, false],
  ['index.interval.bytes', 'indexIntervalBytes', 1, 2 ** 31 - 1, false],
  ['max.message.bytes', 'maxBatchBytes', 61, 2 ** 31 - 1, false],
  ['delete.retention.ms', 'deleteRetentionMs', 0, Number.MAX_SAFE_INTEGER, false],
  ['min.compaction.lag.ms', 'minCompactionLagMs', 0, Number.MAX_SAFE_INTEGER, false],
];

/** The topic config keys this parser understands; all others are ignored. */
export const storageConfigKeys: readonly string[] = Object.freeze([
  ...integerKeys.map(([key]) => key), 'cleanup.policy', 'durability', 'message.timestamp.type',
]);

function invalid(key: string, value: string, why: string): RunnelError {
  return new RunnelError('INVALID_CONFIG', `Invalid value ${JSON.stringify(value)} for topic config ${key}: ${why}`);
}

/**
 * Builds a LogConfig from Kafka-style topic configs (`retention.ms`, `segment.bytes`,
 * `cleanup.policy`, `max.message.bytes`, `durability`, ...), on top of `base`.
 *
 * @throws RunnelError INVALID_CONFIG naming the key and the accepted values
 */
export function parseLogConfig(configs: Record<string, string>, base: LogConfig = defaultLogConfig): LogConfig {
  const config: LogConfig = { ...base };
  for (const [key, field, min, max, minusOneUnlimited] of integerKeys) {
    const raw = configs[key];
    if (raw === undefined) continue;
    if (!/^-?\d+$/.test(raw.trim())) throw invalid(key, raw, 'expected an integer');
    const value = Number(raw.trim());
    if (minusOneUnlimited && value === -1) {
      config[field] = -1;
      continue;
    }
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw invalid(key, raw, `expected ${min}..${max}${minusOneUnlimited ? ' or -1 (unlimited)' : ''}`);
    }
    config[field] = value;
  }
  const policy = configs['cleanup.policy'];
  if (policy !== undefined) {
    const parts = new Set(policy.split(',').map((p) => p.trim().toLowerCase()));
    const known = [...parts].every((p) => p === 'delete' || p === 'compact');
    if (!known || parts.size === 0) throw invalid('cleanup.policy', policy, 'expected delete, compact or compact,delete');
    config.cleanupPolicy = parts.size === 2 ? 'compact,delete' : parts.has('compact') ? 'compact' : 'delete';
  }
  const durability = configs['durability'];
  if (durability !== undefined) {
    if (durability !== 'fsync' && durability !== 'replicated') {
      throw invalid('durability', durability, 'expected fsync or replicated');
    }
    config.durability = durability;
  }
  const timestampType = configs['message.timestamp.type'];
  if (timestampType !== undefined) {
    if (timestampType === 'CreateTime') config.timestampType = 'create';
    else if (timestampType === 'LogAppendTime') config.timestampType = 'logAppend';
    else throw invalid('message.timestamp.type', timestampType, 'expected CreateTime or LogAppendTime');
  }
  return config;
}
