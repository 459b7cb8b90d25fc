import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile, readdir, mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { DataDirectory, CLEAN_SHUTDOWN_MARKER, LOCK_FILE, META_FILE } from './data-directory.ts';
import { batchOf, makeTempDir, removeDir, testConfig } from './testing/log-fixtures.ts';

let path: string;
beforeEach(async () => {
  path = await makeTempDir();
});
afterEach(async () => {
  await removeDir(path);
});

describe('DataDirectory', () => {
  it('writes meta.json once and keeps the broker UUID across opens', async () => {
    const first = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 3 });
    expect(first.wasCleanShutdown).toBe(false);
    await first.close({ clean: true });
    const meta = JSON.parse(await readFile(`${path}/${META_FILE}`, 'utf8')) as Record<string, unknown>;
    expect(meta).toEqual({ version: 1, clusterId: 'c1', brokerId: 3, brokerUuid: first.brokerUuid });
    const second = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 3 });
    expect(second.brokerUuid).toBe(first.brokerUuid);
    expect(second.wasCleanShutdown).toBe(true);
    await second.close({ clean: false });
    const third = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 3 });
    expect(third.wasCleanShutdown).toBe(false);
    await third.close({ clean: true });
  });

  it('removes the clean-shutdown marker at open, so a crash after it reads as unclean', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 });
    await dd.close({ clean: true });
    expect(await readdir(path)).toContain(CLEAN_SHUTDOWN_MARKER);
    const reopened = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 });
    expect(reopened.wasCleanShutdown).toBe(true);
    expect(await readdir(path)).not.toContain(CLEAN_SHUTDOWN_MARKER);
    // A crash now leaves no marker (close without clean writes none either).
    await reopened.close({ clean: false });
    const afterCrash = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 });
    expect(afterCrash.wasCleanShutdown).toBe(false);
    await afterCrash.close({ clean: false });
  });

  it('refuses a directory already open in this process or locked by another live process, and takes over a stale lock', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 });
    await expect(DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 })).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('already open in this process') as string });
    await dd.close({ clean: true });
    expect(await readdir(path)).not.toContain(LOCK_FILE);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(`${path}/${LOCK_FILE}`, JSON.stringify({ pid: other.pid, hostname: hostname() }));
      await expect(DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 })).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining(`process ${other.pid} on this host is using it`) as string });
    } finally {
      const exited = new Promise((r) => other.once('exit', r));
      other.kill('SIGKILL');
      await exited;
    }
    const taken = await DataDirectory.open({ path, clusterId: 'c1', brokerId: 0 });
    expect(JSON.parse(await readFile(`${path}/${LOCK_FILE}`, 'utf8'))).toEqual({ pid: process.pid, hostname: hostname() });
    await taken.close({ clean: true });
  });

  it('refuses a volume from another cluster or broker with a clear error', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'prod', brokerId: 1 });
    await dd.close({ clean: true });
    await expect(DataDirectory.open({ path, clusterId: 'staging', brokerId: 1 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringMatching(/belongs to cluster prod broker 1 .* but this is cluster staging broker 1/) as string,
    });
    await expect(DataDirectory.open({ path, clusterId: 'prod', brokerId: 2 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('rejects a damaged meta.json and a bad broker id', async () => {
    await writeFile(`${path}/${META_FILE}`, '{"version":1,');
    await expect(DataDirectory.open({ path, clusterId: 'c', brokerId: 1 })).rejects.toMatchObject({ code: 'STORAGE_ERROR', message: expect.stringContaining('not JSON') as string });
    await expect(DataDirectory.open({ path, clusterId: 'c', brokerId: -1 })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('names partition directories <topic>-<partition>-<topicId8>, lists, opens and deletes them', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 1 });
    const topicId = randomUUID();
    const prefix = topicId.replaceAll('-', '').slice(0, 8);
    expect(dd.partitionDir('orders-eu', 12, topicId)).toBe(`${path}/orders-eu-12-${prefix}`);
    const log = await dd.openPartition('orders-eu', 12, topicId, testConfig());
    expect(await dd.openPartition('orders-eu', 12, topicId, testConfig())).toBe(log);
    await log.append(batchOf(2, 'x'), { leaderEpoch: 0, assignOffsets: true });
    await mkdir(`${path}/not-a-partition`);
    expect(await dd.listPartitions()).toEqual([{ topic: 'orders-eu', partition: 12, topicIdPrefix: prefix, dir: `${path}/orders-eu-12-${prefix}` }]);
    await dd.deletePartition('orders-eu', 12, topicId);
    expect(await dd.listPartitions()).toEqual([]);
    await expect(log.append(batchOf(1, 'y'), { leaderEpoch: 0, assignOffsets: true })).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    await dd.close({ clean: true });
  });

  it('rejects topic names that could escape the directory, bad partitions and bad topic ids', async () => {
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 1 });
    expect(() => dd.partitionDir('../etc', 0, randomUUID())).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC_NAME' }) as Error);
    expect(() => dd.partitionDir('..', 0, randomUUID())).toThrow(expect.objectContaining({ code: 'INVALID_TOPIC_NAME' }) as Error);
    expect(() => dd.partitionDir('t', -1, randomUUID())).toThrow(expect.objectContaining({ code: 'INVALID_PARTITIONS' }) as Error);
    expect(() => dd.partitionDir('t', 0, 'zz')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }) as Error);
    await dd.close({ clean: false });
  });

  it('finishes a partition deletion that a crash interrupted', async () => {
    await mkdir(`${path}/orders-0-abcdef01.1234abcd-delete`, { recursive: true });
    await writeFile(`${path}/orders-0-abcdef01.1234abcd-delete/00000000000000000000.log`, 'x');
    const dd = await DataDirectory.open({ path, clusterId: 'c', brokerId: 1 });
    expect((await readdir(path)).some((e) => e.endsWith('-delete'))).toBe(false);
    await dd.close({ clean: true });
  });
});
