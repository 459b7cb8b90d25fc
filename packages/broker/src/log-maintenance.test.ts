import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRecords, encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, parseLogConfig } from '@runnel/storage';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LogMaintenance, type MaintainedPartition } from './log-maintenance.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A leader's log: appends stamp offsets, as the produce entry's do. */
interface Replica extends MaintainedPartition {
  append(records: Buffer): Promise<unknown>;
}

async function replica(configs: Record<string, string>): Promise<Replica> {
  const dir = await mkdtemp(join(tmpdir(), 'runnel-maint-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const config = parseLogConfig(configs);
  const log = await PartitionLog.open({ dir, config, name: 't-0' });
  cleanup.push(() => log.close());
  return {
    name: 't-0',
    closed: false,
    log,
    append: async (records) => {
      await log.append(records, { leaderEpoch: 0, assignOffsets: true });
      log.highWatermark = log.logEndOffset;
    },
  };
}

/** Every record from `from` to the log end (a read stops at a segment boundary). */
async function readAll(r: MaintainedPartition, from: number) {
  const out = [];
  let offset = from;
  while (offset < r.log.logEndOffset) {
    const { records } = await r.log.read(offset, { maxBytes: 1 << 20 });
    const decoded = decodeRecords(records, offset);
    out.push(...decoded);
    offset = (decoded.at(-1)?.offset ?? offset) + 1;
  }
  return out;
}

const record = (key: string, value: string) => encodeRecordBatch([{ key: Buffer.from(key), value: Buffer.from(value) }]);

describe('LogMaintenance', () => {
  it('deletes whole segments past retention.bytes and advances the log start offset', async () => {
    const r = await replica({ 'segment.bytes': '200', 'retention.bytes': '300' });
    for (let i = 0; i < 12; i++) await r.append(record('k', `value-${i}`));
    expect(r.log.segmentCount).toBeGreaterThan(3);
    const maintenance = new LogMaintenance({ replicas: () => [r], logger: pino({ level: 'silent' }) });
    const { deletedSegments } = await maintenance.runOnce();
    expect(deletedSegments).toBeGreaterThan(0);
    expect(r.log.logStartOffset).toBeGreaterThan(0);
    expect(r.log.logEndOffset).toBe(12);
    const left = await readAll(r, r.log.logStartOffset);
    expect(left.map((x) => x.value?.toString())).toEqual(Array.from({ length: 12 - r.log.logStartOffset }, (_, i) => `value-${i + r.log.logStartOffset}`));
    await maintenance.close();
  });

  it('compacts compacted topics, keeping the latest value per key', async () => {
    const r = await replica({ 'segment.bytes': '200', 'cleanup.policy': 'compact' });
    for (let i = 0; i < 12; i++) await r.append(record(`k${i % 2}`, `v${i}`));
    const maintenance = new LogMaintenance({ replicas: () => [r], logger: pino({ level: 'silent' }) });
    const { removedRecords } = await maintenance.runOnce();
    expect(removedRecords).toBeGreaterThan(0);
    const records = await readAll(r, r.log.logStartOffset);
    expect(records.length).toBeLessThan(12);
    const latest = new Map(records.map((x) => [x.key?.toString(), x.value?.toString()]));
    expect(latest).toEqual(new Map([['k0', 'v10'], ['k1', 'v11']]));
    await maintenance.close();
  });
});
