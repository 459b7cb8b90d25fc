import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { LeaderEpochCache, LEADER_EPOCH_CHECKPOINT } from './leader-epoch-cache.ts';
import { nodeStorageIo } from './storage-io.ts';
import { makeTempDir, removeDir } from './testing/log-fixtures.ts';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('LeaderEpochCache', () => {
  it('persists assignments in Kafka checkpoint layout and reloads them', async () => {
    const cache = await LeaderEpochCache.load(nodeStorageIo, dir);
    expect(cache.latestEpoch).toBe(-1);
    await cache.assign(1, 0);
    await cache.assign(1, 5);
    await cache.assign(3, 10);
    expect(await readFile(`${dir}/${LEADER_EPOCH_CHECKPOINT}`, 'utf8')).toBe('0\n2\n1 0\n3 10\n');
    const reloaded = await LeaderEpochCache.load(nodeStorageIo, dir);
    expect(reloaded.entries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 10 }]);
    expect(reloaded.latestEpoch).toBe(3);
  });

  it('answers OffsetsForLeaderEpoch as Kafka does', async () => {
    const cache = await LeaderEpochCache.load(nodeStorageIo, dir);
    await cache.assign(2, 5);
    await cache.assign(4, 20);
    await cache.assign(7, 42);
    expect(cache.endOffsetFor(7, 50)).toEqual({ epoch: 7, endOffset: 50 });
    expect(cache.endOffsetFor(4, 50)).toEqual({ epoch: 4, endOffset: 42 });
    expect(cache.endOffsetFor(5, 50)).toEqual({ epoch: 4, endOffset: 42 });
    expect(cache.endOffsetFor(1, 50)).toEqual({ epoch: 1, endOffset: 5 });
    expect(cache.endOffsetFor(9, 50)).toEqual({ epoch: -1, endOffset: -1 });
  });

  it('truncates from the end and from the start', async () => {
    const cache = await LeaderEpochCache.load(nodeStorageIo, dir);
    await cache.assign(1, 0);
    await cache.assign(2, 10);
    await cache.assign(3, 20);
    await cache.truncateFromEnd(10);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 0 }]);
    await cache.assign(4, 15);
    await cache.truncateFromStart(12);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 12 }, { epoch: 4, startOffset: 15 }]);
    await cache.truncateFromStart(16);
    expect(cache.entries()).toEqual([{ epoch: 4, startOffset: 16 }]);
    expect((await LeaderEpochCache.load(nodeStorageIo, dir)).entries()).toEqual([{ epoch: 4, startOffset: 16 }]);
  });

  it('removes conflicting entries when an epoch is assigned at an earlier offset', async () => {
    const cache = await LeaderEpochCache.load(nodeStorageIo, dir);
    await cache.assign(1, 0);
    await cache.assign(2, 10);
    await cache.assign(3, 8);
    expect(cache.entries()).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 3, startOffset: 8 }]);
  });

  it('rejects bad input and a damaged checkpoint with clear errors', async () => {
    const cache = await LeaderEpochCache.load(nodeStorageIo, dir);
    await expect(cache.assign(-1, 0)).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    await writeFile(`${dir}/${LEADER_EPOCH_CHECKPOINT}`, '0\n2\n1 0\n');
    await expect(LeaderEpochCache.load(nodeStorageIo, dir)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('declares 2 entries') as string });
    await writeFile(`${dir}/${LEADER_EPOCH_CHECKPOINT}`, '0\n2\n3 0\n2 5\n');
    await expect(LeaderEpochCache.load(nodeStorageIo, dir)).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('breaks the ordering') as string });
  });
});
