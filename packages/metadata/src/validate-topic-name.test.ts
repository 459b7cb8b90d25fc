import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { MAX_TOPIC_NAME_LENGTH, validateTopicName } from './validate-topic-name.ts';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof RunnelError ? err.code : 'not a RunnelError';
  }
}

describe('validateTopicName', () => {
  it('accepts Kafka-legal names', () => {
    for (const name of ['orders', 'a', 'Orders.v2_eu-west', '__consumer_offsets', 'x'.repeat(224), '...']) {
      expect(codeOf(() => validateTopicName(name))).toBeUndefined();
    }
  });

  it('rejects empty, too long, reserved and illegal characters, naming the problem', () => {
    expect(() => validateTopicName('')).toThrow(/the name is empty/);
    expect(() => validateTopicName('y'.repeat(225))).toThrow(/225 characters, the limit is 224 \(a partition directory <topic>-<partition>-<id> must fit the filesystem's 255-byte file names\)/);
    expect(() => validateTopicName('y'.repeat(249))).toThrow(/249 characters, the limit is 224/);
    expect(() => validateTopicName('.')).toThrow(/"\." and "\.\." are reserved/);
    expect(() => validateTopicName('..')).toThrow(/reserved/);
    expect(() => validateTopicName('a/b')).toThrow(/character "\/" is not allowed/);
    expect(() => validateTopicName('héllo')).toThrow(/character "é" is not allowed/);
    expect(() => validateTopicName('with space')).toThrow(/character " " is not allowed/);
    for (const bad of ['', '.', 'a/b', 'a b', 'y'.repeat(225)]) expect(codeOf(() => validateTopicName(bad))).toBe('INVALID_TOPIC_NAME');
  });

  it('accepts only names whose longest partition directory entry fits in 255 bytes', () => {
    // The longest entry: partition 99999 while being deleted, `<topic>-99999-<id8>.<8 hex>-delete`.
    const longest = `${'x'.repeat(MAX_TOPIC_NAME_LENGTH)}-99999-0123abcd.89abcdef-delete`;
    expect(Buffer.byteLength(longest)).toBeLessThanOrEqual(255);
    expect(Buffer.byteLength(`x${longest}`)).toBeGreaterThan(255);
    expect(codeOf(() => validateTopicName('x'.repeat(MAX_TOPIC_NAME_LENGTH)))).toBeUndefined();
  });
});
