import { describe, expect, it } from 'vitest';
import { defaultLogConfig, parseLogConfig, storageConfigKeys } from './log-config.ts';

describe('parseLogConfig', () => {
  it('returns the defaults for an empty map and ignores keys it does not own', () => {
    expect(parseLogConfig({})).toEqual(defaultLogConfig);
    expect(parseLogConfig({ 'min.insync.replicas': '2' })).toEqual(defaultLogConfig);
    expect(defaultLogConfig.durability).toBe('fsync');
  });

  it('parses every Kafka-style key', () => {
    const config = parseLogConfig({
      'segment.bytes': '1048576', 'segment.ms': '60000', 'retention.ms': '-1', 'retention.bytes': '5000000',
      'cleanup.policy': 'delete,compact', durability: 'replicated', 'flush.ms': '250', 'index.interval.bytes': '1024',
      'max.message.bytes': '2000000', 'delete.retention.ms': '100', 'min.compaction.lag.ms': '7',
      'message.timestamp.type': 'LogAppendTime',
    });
    expect(config).toEqual({
      segmentBytes: 1048576, segmentMs: 60000, retentionMs: -1, retentionBytes: 5000000, cleanupPolicy: 'compact,delete',
      durability: 'replicated', flushIntervalMs: 250, indexIntervalBytes: 1024, maxBatchBytes: 2000000,
      deleteRetentionMs: 100, minCompactionLagMs: 7, timestampType: 'logAppend',
    });
    expect(storageConfigKeys).toContain('retention.ms');
    expect(parseLogConfig({ 'cleanup.policy': 'compact' }).cleanupPolicy).toBe('compact');
  });

  it.each([
    ['segment.bytes', '12'],
    ['segment.bytes', '4294967296'],
    ['retention.ms', '-2'],
    ['retention.ms', '1.5'],
    ['retention.bytes', 'lots'],
    ['flush.ms', '0'],
    ['cleanup.policy', 'purge'],
    ['cleanup.policy', ''],
    ['durability', 'sometimes'],
    ['message.timestamp.type', 'Now'],
    ['max.message.bytes', '10'],
  ])('rejects %s=%s with INVALID_CONFIG naming the key', (key, value) => {
    expect(() => parseLogConfig({ [key]: value })).toThrow(expect.objectContaining({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining(key) as string,
    }) as Error);
  });

  it('layers on a broker-level base config', () => {
    const base = parseLogConfig({ 'retention.ms': '1000' });
    expect(parseLogConfig({ 'segment.ms': '5' }, base)).toMatchObject({ retentionMs: 1000, segmentMs: 5 });
  });
});
