/**
 * Compaction crash-test writer: appends keyed records to a compacted log in fsync mode while
 * another loop compacts it over and over, printing one line per acknowledged append:
 *
 *   ready <logEndOffset>
 *   ack <baseOffset> <lastOffset> <tag>
 *
 * Record i of the append tagged <tag> has key `compactKey(tag, i)` and value `<tag>:<i>`.
 * The test SIGKILLs this process at random moments, often in the middle of a compaction.
 *
 * Usage: node compact-writer.ts <dir> <round>
 */
import { encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig } from '@runnel/storage';
import { compactKey } from './crash-values.ts';

const [dir, round] = process.argv.slice(2);
if (dir === undefined || round === undefined) {
  process.stderr.write('usage: compact-writer.ts <dir> <round>\n');
  process.exit(2);
}

const log = await PartitionLog.open({
  dir,
  name: 'compact-0',
  config: { ...defaultLogConfig, cleanupPolicy: 'compact', segmentBytes: 8 * 1024, indexIntervalBytes: 512, minCompactionLagMs: 0 },
});
process.stdout.write(`ready ${log.logEndOffset}\n`);

let seq = 0;
async function appendLoop(): Promise<void> {
  for (;;) {
    const tag = `r${round}s${seq++}`;
    const batch = encodeRecordBatch(Array.from({ length: 10 }, (_, i) => ({ key: Buffer.from(compactKey(tag, i)), value: Buffer.from(`${tag}:${i}`.padEnd(120, '.')) })));
    const { baseOffset, lastOffset } = await log.append(batch, { leaderEpoch: Number(round), assignOffsets: true });
    log.highWatermark = log.logEndOffset;
    process.stdout.write(`ack ${baseOffset} ${lastOffset} ${tag}\n`);
  }
}

async function compactLoop(): Promise<void> {
  for (;;) {
    await log.compact();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

await Promise.all([appendLoop(), appendLoop(), compactLoop()]);
