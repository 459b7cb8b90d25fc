/**
 * The history checker on hand-made histories: a clean one passes with the right counts, and each
 * anomaly of S1–S5, planted alone, is reported exactly as itself (a checker that never reports
 * would pass every simulation).
 */
import { describe, expect, it } from 'vitest';
import {
  checkHistory,
  formatCheckResult,
  HistoryFormatError,
  HistoryRecorder,
  historyToJsonl,
  parseHistoryJsonl,
  type HistoryEvent,
} from '../../support/history/index.ts';

const P = 'orders-0';

function recorder(): HistoryRecorder {
  let t = 0;
  return new HistoryRecorder({ now: () => t++ });
}

/** A healthy run: two producers, a consumer, one unknown outcome that did commit, a definite failure. */
function cleanRun(): HistoryRecorder {
  const h = recorder();
  const a = h.invokeSend('p1', P, 'a', 'all');
  const b = h.invokeSend('p2', P, 'b', 'all');
  a.ok(0);
  b.ok(1);
  const c = h.invokeSend('p1', P, 'c', 'all');
  c.info('REQUEST_TIMED_OUT');
  const d = h.invokeSend('p1', P, 'd', 'all');
  d.fail('NOT_LEADER');
  const e = h.invokeSend('p2', P, 'e', 'leader');
  e.ok(3);
  const r = h.invokeRead('c1', P, 0);
  r.ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'b' }]);
  const drain = h.invokeRead('checker', P, 0, 'drain');
  drain.ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'b' }, { offset: 2, value: 'c' }, { offset: 3, value: 'e' }]);
  return h;
}

function kinds(events: readonly HistoryEvent[]): string[] {
  return checkHistory(events).anomalies.map((a) => `${a.invariant}:${a.kind}`);
}

describe('checkHistory', () => {
  it('accepts a clean history and counts what happened', () => {
    const result = checkHistory(cleanRun().events);
    expect(result.anomalies).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.counts).toMatchObject({
      sends: 5, sendsByAcks: { all: 4, leader: 1, none: 0 }, sendsOk: 3, sendsFailed: 1, sendsUnknown: 1,
      reads: 2, recordsRead: 2, recordsDrained: 4, partitionsDrained: 1, unknownCommitted: 1, leaderAckedLost: 0,
    });
    expect(formatCheckResult(result)).toContain('anomalies 0');
  });

  it('S1: reports an acknowledged acks=all value missing from the drain, and only measures an acks=1 loss', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').ok(0);
    h.invokeSend('p1', P, 'b', 'all').ok(1);
    h.invokeSend('p1', P, 'c', 'leader').ok(2);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'a' }]);
    const result = checkHistory(h.events);
    expect(result.anomalies).toHaveLength(1);
    expect(result.anomalies[0]).toMatchObject({ invariant: 'S1', kind: 'lost-write', partition: P });
    expect(result.anomalies[0]?.detail).toContain('value b');
    expect(result.counts.leaderAckedLost).toBe(1);
    expect(result.byInvariant.S1).toBe(1);
  });

  it('S1: a partition that was never drained loses its acknowledged values (a missing drain cannot pass)', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').ok(0);
    h.invokeRead('checker', P, 0, 'drain').fail('UNAVAILABLE');
    const result = checkHistory(h.events);
    expect(result.anomalies.map((a) => a.detail)).toEqual([expect.stringContaining('never drained')]);
  });

  it('S2: reports an offset read with two values, and an ack contradicted by the drain', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').ok(0);
    h.invokeSend('p1', P, 'b', 'all').ok(1);
    h.invokeRead('c1', P, 1).ok([{ offset: 1, value: 'b' }]);
    // A new leader reassigned offset 1: the drain has b at 2 and another value at 1.
    h.invokeSend('p2', P, 'x', 'leader').ok(1);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'x' }, { offset: 2, value: 'b' }]);
    expect(kinds(h.events)).toEqual(['S2:inconsistent-offset', 'S3:duplicate']);
  });

  it('S2: an acks=1 acknowledgement of a reused offset is not held to S2', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'leader').ok(0);
    h.invokeSend('p1', P, 'b', 'all').ok(0);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'b' }]);
    const result = checkHistory(h.events);
    expect(result.anomalies).toEqual([]);
    expect(result.counts.leaderAckedLost).toBe(1);
  });

  it('S3: reports a value stored at two offsets', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').info('REQUEST_TIMED_OUT');
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'a' }]);
    const result = checkHistory(h.events);
    expect(kinds(h.events)).toEqual(['S3:duplicate']);
    expect(result.anomalies[0]?.detail).toContain(`${P}@0 and ${P}@1`);
  });

  it('S4: reports one producer acknowledged out of send order', () => {
    const h = recorder();
    const a = h.invokeSend('p1', P, 'a', 'all');
    const b = h.invokeSend('p1', P, 'b', 'all');
    b.ok(0);
    a.ok(1);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'b' }, { offset: 1, value: 'a' }]);
    expect(kinds(h.events)).toEqual(['S4:nonmonotonic-send']);
  });

  it('S4: reports a send acknowledged before another was invoked that got a lower offset (realtime order)', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').ok(5);
    h.invokeSend('p2', P, 'b', 'all').ok(3);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 3, value: 'b' }, { offset: 5, value: 'a' }]);
    expect(kinds(h.events)).toEqual(['S4:realtime-order']);
  });

  it('S4: concurrent sends of two producers may take either order', () => {
    const h = recorder();
    const a = h.invokeSend('p1', P, 'a', 'all');
    const b = h.invokeSend('p2', P, 'b', 'all');
    a.ok(1);
    b.ok(0);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'b' }, { offset: 1, value: 'a' }]);
    expect(kinds(h.events)).toEqual([]);
  });

  it('S4: reports a read whose offsets go backwards', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').ok(0);
    h.invokeSend('p1', P, 'b', 'all').ok(1);
    h.invokeRead('c1', P, 0).ok([{ offset: 1, value: 'b' }, { offset: 0, value: 'a' }]);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'b' }]);
    expect(kinds(h.events)).toEqual(['S4:nonmonotonic-read']);
  });

  it('S5: reports a read of a definitely failed send, and of a value nobody sent', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all').fail('NOT_ENOUGH_REPLICAS');
    h.invokeRead('c1', P, 0).ok([{ offset: 0, value: 'a' }]);
    h.invokeRead('checker', P, 0, 'drain').ok([{ offset: 0, value: 'a' }, { offset: 1, value: 'ghost' }]);
    expect(kinds(h.events)).toEqual(['S5:aborted-read', 'S5:phantom-read']);
  });

  it('counts an invocation without completion as an unknown outcome', () => {
    const h = recorder();
    h.invokeSend('p1', P, 'a', 'all');
    h.invokeRead('checker', P, 0, 'drain').ok([]);
    const result = checkHistory(h.events);
    expect(result.valid).toBe(true);
    expect(result.counts.sendsUnknown).toBe(1);
  });

  it('rejects malformed histories with a clear error', () => {
    const h = recorder();
    const a = h.invokeSend('p1', P, 'a', 'all');
    a.ok(0);
    expect(() => a.ok(1)).toThrow(/twice/);
    const orphan: HistoryEvent[] = [{ type: 'ok', f: 'send', id: 7, process: 'p', partition: P, time: 0, value: 'v', offset: 0 }];
    expect(() => checkHistory(orphan)).toThrow(HistoryFormatError);
    expect(() => checkHistory(orphan)).toThrow(/never invoked/);
    const twice: HistoryEvent[] = [
      { type: 'invoke', f: 'send', id: 1, process: 'p', partition: P, time: 0, value: 'v', acks: 'all' },
      { type: 'invoke', f: 'send', id: 2, process: 'p', partition: P, time: 1, value: 'v', acks: 'all' },
    ];
    expect(() => checkHistory(twice)).toThrow(/sent twice/);
    const mismatch: HistoryEvent[] = [
      { type: 'invoke', f: 'send', id: 1, process: 'p', partition: P, time: 0, value: 'v', acks: 'all' },
      { type: 'ok', f: 'send', id: 1, process: 'p', partition: 'other-0', time: 1, value: 'v', offset: 0 },
    ];
    expect(() => checkHistory(mismatch)).toThrow(/does not match/);
  });
});

describe('the log-start rule of S1 (DeleteRecords)', () => {
  /** Four acks=all values at offsets 0..3, then `deletes`, then a drain of what remains from `drainFrom`. */
  function withDeletes(deletes: (h: HistoryRecorder) => void, drainFrom: number): readonly HistoryEvent[] {
    const h = recorder();
    ['a', 'b', 'c', 'd'].forEach((v, i) => h.invokeSend('p', P, v, 'all').ok(i));
    deletes(h);
    h.invokeRead('checker', P, drainFrom, 'drain').ok(['a', 'b', 'c', 'd'].slice(drainFrom).map((value, i) => ({ offset: drainFrom + i, value })));
    return h.events;
  }

  it('excuses values below the log start an acknowledged delete reached, and only those', () => {
    const excused = checkHistory(withDeletes((h) => h.invokeDelete('admin', P, 3).ok(2), 2));
    expect(excused.anomalies).toEqual([]);
    expect(excused.counts).toMatchObject({ deletes: 1, deletesOk: 1, deletesFailed: 0, deletedBelowLogStart: 2 });
    expect(formatCheckResult(excused)).toContain('acknowledged values deleted below a log start: 2');
    // The leader reached only 2 although 3 was asked: the value at 2 is still owed.
    const lost = checkHistory(withDeletes((h) => h.invokeDelete('admin', P, 3).ok(2), 3));
    expect(lost.anomalies.map((a) => a.detail)).toEqual([expect.stringContaining('value c acknowledged (acks=all) at offset 2')]);
  });

  it('excuses up to the requested offset of a delete with an unknown outcome, nothing for a failed one', () => {
    expect(kinds(withDeletes((h) => h.invokeDelete('admin', P, 2).info('REQUEST_TIMED_OUT'), 2))).toEqual([]);
    expect(kinds(withDeletes((h) => void h.invokeDelete('admin', P, 2), 2))).toEqual([]);
    expect(kinds(withDeletes((h) => h.invokeDelete('admin', P, 1).info('REQUEST_TIMED_OUT'), 2))).toEqual(['S1:lost-write']);
    const failed = checkHistory(withDeletes((h) => h.invokeDelete('admin', P, 2).fail('OFFSET_OUT_OF_RANGE'), 2));
    expect(failed.anomalies.map((a) => `${a.invariant}:${a.kind}`)).toEqual(['S1:lost-write', 'S1:lost-write']);
    expect(failed.counts.deletesFailed).toBe(1);
  });

  it('a delete of another partition excuses nothing here', () => {
    expect(kinds(withDeletes((h) => h.invokeDelete('admin', 'orders-1', 4).ok(4), 2))).toEqual(['S1:lost-write', 'S1:lost-write']);
  });

  it('round-trips through JSONL and rejects a bad delete line', () => {
    const events = withDeletes((h) => {
      h.invokeDelete('admin', P, 2).ok(2);
      h.invokeDelete('admin', P, 3).info('REQUEST_TIMED_OUT');
    }, 2);
    expect(parseHistoryJsonl(historyToJsonl(events))).toEqual(events);
    expect(() => parseHistoryJsonl('{"type":"ok","f":"delete","id":1,"process":"p","partition":"x","time":1,"logStartOffset":-3}')).toThrow(/line 1: logStartOffset must be a non-negative integer/);
    expect(() => checkHistory([{ type: 'invoke', f: 'delete', id: 1, process: 'p', partition: P, time: 0, offset: -1 }])).toThrow(/invalid offset -1/);
  });
});

describe('history JSONL', () => {
  it('round-trips a history', () => {
    const events = cleanRun().events;
    expect(parseHistoryJsonl(historyToJsonl(events))).toEqual(events);
  });

  it('names the bad line and field', () => {
    const good = historyToJsonl(cleanRun().events).split('\n');
    expect(() => parseHistoryJsonl([good[0], '{"type":"ok","f":"send","id":1,"process":"p","partition":"x","time":1,"value":"a","offset":-1}'].join('\n')))
      .toThrow(/line 2: offset must be a non-negative integer/);
    expect(() => parseHistoryJsonl('{"type":"invoke","f":"send","id":1,"process":"p","partition":"x","time":1,"value":"a","acks":"two"}'))
      .toThrow(/line 1: acks must be/);
    expect(() => parseHistoryJsonl('{"type":"ok","f":"read","id":1,"process":"p","partition":"x","time":1,"records":[{"offset":0}]}'))
      .toThrow(/records\[0\]/);
    // A writer killed mid-line leaves a truncated last line: an error, not a shorter history.
    expect(() => parseHistoryJsonl(`${good[0]}\n${good[1]?.slice(0, 20)}`)).toThrow(/line 2 is not JSON/);
  });
});
