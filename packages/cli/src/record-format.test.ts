import { describe, expect, it } from 'vitest';
import type { ConsumerRecord } from '@runnel/client';
import { formatRecord, validateFormat } from './record-format.ts';

const record: ConsumerRecord = {
  topic: 'orders',
  partition: 3,
  offset: 42,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('k1'),
  value: Buffer.from('hello'),
  headers: [{ key: 'trace', value: Buffer.from('abc') }, { key: 'empty', value: null }],
  leaderEpoch: 0,
};

describe('--format', () => {
  it('expands every directive and keeps literal text', () => {
    expect(formatRecord('%T/%p@%o %t [%k] %v {%h} 100%%', record)).toBe('orders/3@42 1700000000000 [k1] hello {trace=abc,empty=null} 100%\n');
  });

  it('prints null keys and values as "null", like the Kafka console consumer', () => {
    expect(formatRecord('%k=%v', { ...record, key: null, value: null })).toBe('null=null\n');
  });

  it('names an unknown or dangling directive', () => {
    expect(validateFormat('%v %q')).toMatch(/unknown directive "%q"/);
    expect(validateFormat('value %')).toMatch(/unknown directive "%"/);
    expect(validateFormat('%k %v %%')).toBeUndefined();
  });
});
