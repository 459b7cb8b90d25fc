import { RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { validateTopicName } from './validate-topic-name.ts';

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
    for (const name of ['orders', 'a', 'Orders.v2_eu-west', '__consumer_offsets', 'x'.repeat(249), '...']) {
      expect(codeOf(() => validateTopicName(name))).toBeUndefined();
    }
  });

  it('rejects empty, too long, reserved and illegal characters, naming the problem', () => {
    expect(() => validateTopicName('')).toThrow(/the name is empty/);
    expect(() => validateTopicName('y'.repeat(250))).toThrow(/250 characters, the limit is 249/);
    expect(() => validateTopicName('.')).toThrow(/"\." and "\.\." are reserved/);
    expect(() => validateTopicName('..')).toThrow(/reserved/);
    expect(() => validateTopicName('a/b')).toThrow(/character "\/" is not allowed/);
    expect(() => validateTopicName('héllo')).toThrow(/character "é" is not allowed/);
    expect(() => validateTopicName('with space')).toThrow(/character " " is not allowed/);
    for (const bad of ['', '.', 'a/b', 'a b', 'y'.repeat(250)]) expect(codeOf(() => validateTopicName(bad))).toBe('INVALID_TOPIC_NAME');
  });
});
