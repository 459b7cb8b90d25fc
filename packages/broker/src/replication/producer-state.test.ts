import type { RecordBatchHeader } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { ProducerStateTable } from './producer-state.ts';

/** A one-record idempotent batch header of `producerId` at `offset`. */
function header(producerId: number, offset: number, sequence = 0): RecordBatchHeader {
  return {
    baseOffset: offset, batchLength: 0, partitionLeaderEpoch: 0, magic: 2, crc: 0, attributes: 0, lastOffsetDelta: 0,
    baseTimestamp: 0, maxTimestamp: 0, producerId, producerEpoch: 0, baseSequence: sequence, recordCount: 1,
    compression: 'none', isTransactional: false, isControl: false, timestampType: 'create',
  };
}

describe('ProducerStateTable', () => {
  it('does not grow with every short-lived producer: producers whose batches retention removed are forgotten', () => {
    let logStart = 0;
    const table = new ProducerStateTable('t-0', () => logStart);
    // 100,000 producers of one batch each (as 100,000 `runnel produce` runs), retention keeping the last 1,000 offsets.
    for (let id = 0; id < 100_000; id++) {
      table.apply(header(id, id));
      logStart = Math.max(0, id - 1000);
    }
    expect(table.size).toBeLessThan(5000);
    // A producer still in the log is remembered: its retry is a duplicate, not a second append.
    const retained = 99_990;
    expect(table.check(header(retained, 123, 0)).kind).toBe('duplicate');
  });

  it('keeps every producer while the log still holds its batches', () => {
    const table = new ProducerStateTable('t-0', () => 0);
    for (let id = 0; id < 5000; id++) table.apply(header(id, id));
    expect(table.size).toBe(5000);
  });
});
