import { describe, expect, it } from 'vitest';
import { OffsetRanges, SoakLedger } from './soak-ledger.ts';

describe('OffsetRanges', () => {
  it('holds half-open ranges: the start is in, the end is not', () => {
    const r = new OffsetRanges();
    r.add(10, 20);
    expect([9, 10, 19, 20].map((o) => r.has(o))).toEqual([false, true, true, false]);
  });

  it('merges overlapping and touching ranges, keeps disjoint ones apart, ignores empty ones', () => {
    const r = new OffsetRanges();
    r.add(100, 200);
    r.add(150, 250);
    r.add(250, 260);
    r.add(10, 20);
    r.add(5, 5);
    r.add(40, 30);
    expect(r.list()).toEqual([
      [10, 20],
      [100, 260],
    ]);
    r.add(0, 1000);
    expect(r.list()).toEqual([[0, 1000]]);
    expect(r.has(999)).toBe(true);
    expect(r.has(1000)).toBe(false);
  });

  it('finds offsets among many ranges', () => {
    const r = new OffsetRanges();
    for (let i = 99; i >= 0; i--) r.add(i * 10, i * 10 + 5);
    expect(r.list()).toHaveLength(100);
    expect(r.has(0)).toBe(true);
    expect(r.has(4)).toBe(true);
    expect(r.has(5)).toBe(false);
    expect(r.has(9)).toBe(false);
    expect(r.has(994)).toBe(true);
    expect(r.has(995)).toBe(false);
  });
});

describe('SoakLedger', () => {
  it('counts an acknowledged record never received as lost when no reset skipped it', () => {
    const l = new SoakLedger();
    for (let seq = 0; seq < 10; seq++) l.ack(seq, 0, seq);
    for (let seq = 0; seq < 10; seq++) if (seq !== 4) l.receive(seq);
    expect(l.totals()).toEqual({ acked: 10, received: 9, lost: 1, skippedByRetention: 0, outOfRangeResets: 0 });
    expect(l.lostExamples(10)).toEqual([{ seq: 4, partition: 0, offset: 4 }]);
  });

  it('counts records inside a skipped range [asked, resumed at) as deleted by retention, and those just outside it as lost', () => {
    const l = new SoakLedger();
    // Partition 0, offsets 0..99 = seq 0..99. The consumer read 0..19, asked for 20, resumed at 60.
    for (let seq = 0; seq < 100; seq++) l.ack(seq, 0, seq);
    for (let seq = 0; seq < 20; seq++) l.receive(seq);
    l.outOfRange(0, 20, 60);
    // It then read 61..99 but not 60, just outside the range: lost.
    for (let seq = 61; seq < 100; seq++) l.receive(seq);
    expect(l.totals()).toEqual({ acked: 100, received: 59, lost: 1, skippedByRetention: 40, outOfRangeResets: 1 });
    expect(l.lostExamples(10)).toEqual([{ seq: 60, partition: 0, offset: 60 }]);
    expect(l.unresolved).toBe(1);
  });

  it('keeps partitions apart: a range of one partition does not explain a record of another', () => {
    const l = new SoakLedger();
    // Two partitions; seq even -> partition 0, odd -> partition 1; offset = seq >> 1 in each.
    for (let seq = 0; seq < 40; seq++) l.ack(seq, seq % 2, seq >> 1);
    // Partition 0 skipped offsets 5..9 (seq 10, 12, 14, 16, 18); partition 1 read everything but offset 7 (seq 15).
    l.outOfRange(0, 5, 10);
    for (let seq = 0; seq < 40; seq++) if (!(seq % 2 === 0 && seq >= 10 && seq < 20) && seq !== 15) l.receive(seq);
    expect(l.totals()).toMatchObject({ lost: 1, skippedByRetention: 5, outOfRangeResets: 1 });
    expect(l.lostExamples(10)).toEqual([{ seq: 15, partition: 1, offset: 7 }]);
    expect(l.skippedRanges(0)).toEqual([[5, 10]]);
    expect(l.skippedRanges(1)).toEqual([]);
  });

  it('merges resets that overlap, and counts each record once', () => {
    const l = new SoakLedger();
    for (let seq = 0; seq < 100; seq++) l.ack(seq, 0, seq);
    l.outOfRange(0, 10, 30);
    l.outOfRange(0, 20, 40);
    l.outOfRange(0, 25, 35);
    for (let seq = 0; seq < 100; seq++) if (seq < 10 || seq >= 40) l.receive(seq);
    expect(l.totals()).toEqual({ acked: 100, received: 70, lost: 0, skippedByRetention: 30, outOfRangeResets: 3 });
    expect(l.skippedRanges(0)).toEqual([[10, 40]]);
  });

  it('uses a range reported before the ack came back', () => {
    const l = new SoakLedger();
    l.outOfRange(3, 100, 200);
    l.ack(0, 3, 150);
    l.ack(1, 3, 200);
    expect(l.totals()).toMatchObject({ lost: 1, skippedByRetention: 1 });
  });

  it('counts a record in a skipped range that was received after all (a replica with an older log start) as received, not skipped', () => {
    const l = new SoakLedger();
    l.ack(0, 0, 50);
    l.outOfRange(0, 40, 60);
    l.receive(0);
    expect(l.totals()).toEqual({ acked: 1, received: 1, lost: 0, skippedByRetention: 0, outOfRangeResets: 1 });
  });

  it('skips nothing when the consumer resumed at or below the offset it asked for (out of range above the log end)', () => {
    const l = new SoakLedger();
    l.ack(0, 0, 10);
    l.outOfRange(0, 10, 5);
    l.outOfRange(0, 10, 10);
    expect(l.totals()).toEqual({ acked: 1, received: 0, lost: 1, skippedByRetention: 0, outOfRangeResets: 2 });
  });

  it('counts a record received before its ack as received, and duplicates once', () => {
    const l = new SoakLedger();
    expect(l.receive(7)).toBe(true);
    expect(l.receive(7)).toBe(false);
    l.ack(7, 0, 0);
    l.ack(7, 0, 0);
    expect(l.unresolved).toBe(0);
    expect(l.totals()).toEqual({ acked: 1, received: 1, lost: 0, skippedByRetention: 0, outOfRangeResets: 0 });
  });

  it('does not count a record that was never acknowledged (a send failure) as lost', () => {
    const l = new SoakLedger();
    l.ack(0, 0, 0);
    l.ack(2, 0, 1);
    l.receive(0);
    l.receive(2);
    expect(l.totals()).toMatchObject({ acked: 2, lost: 0, skippedByRetention: 0 });
  });
});
