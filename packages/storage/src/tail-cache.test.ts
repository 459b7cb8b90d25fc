/**
 * The tail cache serves exactly what the segment files would: the same bytes for the same read,
 * compared against the same log reopened (which starts with an empty cache).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog } from './partition-log.ts';
import { TailCache } from './tail-cache.ts';
import { makeTempDir, removeDir, testConfig } from './testing/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

/** A deterministic generator (mulberry32), so the reads below are the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('TailCache in PartitionLog', () => {
  it('answers reads at the log end byte for byte as the files do, across appends, a large append and a truncation', async () => {
    const config = testConfig({ segmentBytes: 64 * 1024, indexIntervalBytes: 512 });
    let log = await PartitionLog.open({ dir, config });
    const random = seeded(0xc0ffee);
    const append = async (batches: number, valueBytes: number): Promise<void> => {
      const buffers = Array.from({ length: batches }, () => encodeRecordBatch(Array.from({ length: 1 + Math.floor(random() * 4) }, () => ({ key: null, value: Buffer.alloc(valueBytes, 0x61 + Math.floor(random() * 26)) }))));
      await log.append(Buffer.concat(buffers), { leaderEpoch: 1, assignOffsets: true });
    };
    for (let i = 0; i < 40; i++) await append(1 + Math.floor(random() * 3), 10 + Math.floor(random() * 200));
    await append(1, 70 * 1024); // too large to cache: empties the cache
    for (let i = 0; i < 20; i++) await append(1 + Math.floor(random() * 3), 10 + Math.floor(random() * 200));
    await log.truncateTo(log.logEndOffset - 5);
    for (let i = 0; i < 10; i++) await append(2, 50);
    const end = log.logEndOffset;
    // Half the reads near the end (what the cache holds), half anywhere.
    const reads = Array.from({ length: 300 }, (_, i) => {
      const offset = i % 2 === 0 ? Math.max(0, end - 1 - Math.floor(random() * 45)) : Math.floor(random() * end);
      return { offset, maxBytes: 1 + Math.floor(random() * 4000), maxOffset: offset + Math.floor(random() * (end + 1 - offset)) };
    });
    const live = [];
    for (const r of reads) live.push(await log.read(r.offset, { maxBytes: r.maxBytes, maxOffset: r.maxOffset }));
    await log.close();
    log = await PartitionLog.open({ dir, config });
    try {
      for (const [i, r] of reads.entries()) {
        const fromFiles = await log.read(r.offset, { maxBytes: r.maxBytes, maxOffset: r.maxOffset });
        expect({ read: r, firstOffset: live[i]!.firstOffset, hex: live[i]!.records.toString('hex') }).toEqual({ read: r, firstOffset: fromFiles.firstOffset, hex: fromFiles.records.toString('hex') });
      }
    } finally {
      await log.close();
    }
  });

  it('keeps at most maxBytes, drops the oldest first, and answers undefined below what it holds', () => {
    const cache = new TailCache({ maxBytes: 250, maxAppendBytes: 200 });
    const batch = (base: number, size: number) => ({ position: 0, size, baseOffset: base, lastOffset: base, maxTimestamp: 0 });
    for (let i = 0; i < 5; i++) cache.add(Buffer.alloc(100, i), [batch(i, 100)]);
    expect(cache.bytes).toBe(200);
    expect(cache.read(2, 1000, 10)).toBeUndefined();
    expect(cache.read(3, 1000, 10)).toMatchObject({ firstOffset: 3 });
    expect(cache.read(3, 1000, 10)!.records.length).toBe(200);
    // A gap in offsets empties it rather than serve a hole.
    cache.add(Buffer.alloc(10), [batch(9, 10)]);
    expect(cache.read(4, 1000, 20)).toBeUndefined();
    expect(cache.read(9, 1000, 20)!.records.length).toBe(10);
  });

  it('keeps no more than maxBytes of batches alive, also with thousands of small appends', () => {
    const cache = new TailCache({ maxBytes: 256 * 1024, maxAppendBytes: 64 * 1024 });
    let most = 0;
    for (let i = 0; i < 5000; i++) {
      cache.add(Buffer.alloc(1024, i), [{ position: 0, size: 1024, baseOffset: i, lastOffset: i, maxTimestamp: 0 }]);
      most = Math.max(most, cache.referencedBytes);
    }
    expect(cache.bytes).toBe(256 * 1024);
    expect(most).toBeLessThanOrEqual(256 * 1024);
    expect(cache.read(4999, 1 << 20, 5000)!.records.equals(Buffer.alloc(1024, 4999 % 256))).toBe(true);
  });
});
