import { describe, expect, it } from 'vitest';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';

describe('OffsetIndex', () => {
  it('finds the last entry at or below an offset and round-trips through bytes', () => {
    const index = new OffsetIndex(1);
    index.append(10, 4000);
    index.append(25, 9000);
    index.append(25, 9500);
    index.append(40, 8000);
    expect(index.count).toBe(2);
    expect([0, 9, 10, 24, 25, 1000].map((o) => index.lookup(o))).toEqual([0, 0, 4000, 4000, 9000, 9000]);
    const copy = OffsetIndex.fromBytes(index.toBytes(), 10_000)!;
    expect(copy.lookup(30)).toBe(9000);
    index.truncateToPosition(9000);
    expect(index.lookup(30)).toBe(4000);
  });

  it('refuses bytes that break its invariants or point past the log', () => {
    const good = new OffsetIndex();
    good.append(1, 100);
    good.append(2, 200);
    expect(OffsetIndex.fromBytes(good.toBytes(), 150)).toBeUndefined();
    expect(OffsetIndex.fromBytes(good.toBytes().subarray(0, 12), 1000)).toBeUndefined();
    const reversed = Buffer.concat([good.toBytes().subarray(8), good.toBytes().subarray(0, 8)]);
    expect(OffsetIndex.fromBytes(reversed, 1000)).toBeUndefined();
  });
});

describe('TimeIndex', () => {
  it('starts a search after every entry whose timestamp is below the target', () => {
    const index = new TimeIndex(1);
    index.append(100, 5);
    index.append(200, 9);
    index.append(150, 12);
    expect(index.count).toBe(2);
    expect([50, 100, 101, 200, 201].map((t) => index.lookup(t))).toEqual([0, 0, 5, 5, 9]);
    expect(TimeIndex.fromBytes(index.toBytes())?.lastTimestamp).toBe(200);
    index.truncateToRelativeOffset(8);
    expect(index.lastTimestamp).toBe(100);
    expect(TimeIndex.fromBytes(Buffer.alloc(13))).toBeUndefined();
  });
});
