/**
 * Log compaction (cleanup.policy=compact): in the closed segments that are old enough
 * (min.compaction.lag.ms) and wholly below the high watermark, keep only the latest record of
 * each key. Tombstones (null value) go once their batch is older than delete.retention.ms.
 * Records without a key are dropped, as Kafka's cleaner does (the produce path does not decode
 * records, so they are not rejected at append).
 *
 * Offsets, producer id/epoch, sequence and leader epoch are preserved: a batch whose records all
 * survive is copied byte for byte; otherwise each run of consecutive surviving offsets is
 * re-encoded as one batch at its original offset. Segments are swapped atomically: the cleaned
 * data is written to `<base>.log.cleaned`, synced, the old index files removed, then renamed
 * over `<base>.log`; a crash at any point leaves a valid log (leftover `.cleaned` files are
 * deleted and missing indexes rebuilt at open).
 */
import { decodeRecordBatch, encodeRecordBatch, setLogAppendTime, type ConsumedRecord, type RecordBatchHeader } from '@runnel/protocol';
import { scanBatches } from './batch-scanner.ts';
import { LogSegment, segmentFileName } from './log-segment.ts';
import { writeFully, type StorageIo } from './storage-io.ts';
import type { LogConfig } from './log-config.ts';

/** What the compactor needs from the partition log. */
export interface CompactionContext {
  segments: () => readonly LogSegment[];
  /** Replaces `old` by `replacement` under the log's write lane; false if `old` is gone. */
  swap: (old: LogSegment, replacement: LogSegment, commit: () => Promise<void>) => Promise<boolean>;
  io: StorageIo;
  config: LogConfig;
  highWatermark: number;
  now: number;
}

/** Compacts the cleanable segments; resolves with the number of records removed. */
export async function compactSegments(ctx: CompactionContext): Promise<{ removedRecords: number }> {
  const all = ctx.segments();
  const cleanable: LogSegment[] = [];
  for (const seg of all.slice(0, -1)) {
    if (seg.nextOffset > ctx.highWatermark || seg.maxTimestamp > ctx.now - ctx.config.minCompactionLagMs) break;
    cleanable.push(seg);
  }
  const latest = new Map<string, number>();
  for (const seg of cleanable) {
    await seg.use(async () => {
      for await (const batch of scanBatches(seg.file, { start: 0, end: seg.size, verifyCrc: false, minOffset: seg.baseOffset })) {
        if (batch.header.isControl) continue;
        for (const r of decodeRecordBatch(batch.bytes).records) {
          if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset);
        }
      }
    });
  }
  let removedRecords = 0;
  // Each segment is pinned while cleaned, so a concurrent retention delete cannot close it mid-scan.
  for (const seg of cleanable) removedRecords += await seg.use(() => cleanSegment(ctx, seg, latest));
  return { removedRecords };
}

function survives(r: ConsumedRecord, latest: Map<string, number>, tombstoneExpired: boolean): boolean {
  if (r.key === null) return false;
  if (latest.get(r.key.toString('latin1')) !== r.offset) return false;
  return !(r.value === null && tombstoneExpired);
}

/** Re-encodes the surviving records of one batch, one batch per run of consecutive offsets. */
function reencode(header: RecordBatchHeader, kept: ConsumedRecord[]): Buffer[] {
  const out: Buffer[] = [];
  let runStart = 0;
  for (let i = 1; i <= kept.length; i++) {
    if (i < kept.length && kept[i]!.offset === kept[i - 1]!.offset + 1) continue;
    const run = kept.slice(runStart, i);
    const base = run[0]!.offset;
    const buf = encodeRecordBatch(
      run.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
      {
        compression: header.compression,
        baseOffset: base,
        partitionLeaderEpoch: header.partitionLeaderEpoch,
        producerId: header.producerId,
        producerEpoch: header.producerEpoch,
        baseSequence: header.baseSequence >= 0 ? header.baseSequence + (base - header.baseOffset) : -1,
        isTransactional: header.isTransactional,
      },
    );
    if (header.timestampType === 'logAppend') setLogAppendTime(buf, 0, header.maxTimestamp);
    out.push(buf);
    runStart = i;
  }
  return out;
}

async function cleanSegment(ctx: CompactionContext, seg: LogSegment, latest: Map<string, number>): Promise<number> {
  const output: Buffer[] = [];
  let removed = 0;
  for await (const batch of scanBatches(seg.file, { start: 0, end: seg.size, verifyCrc: true, minOffset: seg.baseOffset })) {
    if (batch.header.isControl) {
      output.push(Buffer.from(batch.bytes));
      continue;
    }
    const { header, records } = decodeRecordBatch(batch.bytes);
    const tombstoneExpired = header.maxTimestamp < ctx.now - ctx.config.deleteRetentionMs;
    const kept = records.filter((r) => survives(r, latest, tombstoneExpired));
    removed += records.length - kept.length;
    if (kept.length === records.length) output.push(Buffer.from(batch.bytes));
    else if (kept.length > 0) output.push(...reencode(header, kept));
  }
  if (removed === 0) return 0;
  const cleanedName = segmentFileName(seg.baseOffset, 'log.cleaned');
  const file = await ctx.io.open(`${seg.dir}/${cleanedName}`, 'w+');
  try {
    await writeFully(file, output, 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  const fresh = await LogSegment.open(ctx.io, seg.dir, seg.baseOffset, cleanedName);
  await fresh.rebuild(ctx.config.indexIntervalBytes, false);
  const swapped = await ctx.swap(seg, fresh, async () => {
    // Old indexes go first: from here on a crash leaves a log without index files, rebuilt at open.
    await seg.deleteIndexFiles();
    await ctx.io.syncDir(seg.dir);
    await ctx.io.rename(`${seg.dir}/${cleanedName}`, seg.path);
    await ctx.io.syncDir(seg.dir);
  });
  if (!swapped) {
    await fresh.close();
    await ctx.io.unlink(`${seg.dir}/${cleanedName}`);
    return 0;
  }
  seg.retire();
  await fresh.writeIndexes();
  return removed;
}
