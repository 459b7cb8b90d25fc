import { encodeRecordBatch } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { batchStats } from './batch-stats.ts';

describe('batchStats', () => {
  it('counts records and finds the next offset from headers only', () => {
    const a = encodeRecordBatch([{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b') }], { baseOffset: 10 });
    const b = encodeRecordBatch([{ key: null, value: Buffer.from('c') }, { key: null, value: null }, { key: null, value: Buffer.from('e') }], { baseOffset: 12, compression: 'gzip' });
    expect(batchStats(Buffer.concat([a, b]))).toEqual({ recordCount: 5, nextOffset: 15 });
    expect(batchStats(Buffer.concat([a, b.subarray(0, 30)]))).toEqual({ recordCount: 2, nextOffset: 12 });
    expect(batchStats(Buffer.alloc(0))).toEqual({ recordCount: 0, nextOffset: -1 });
  });
});
