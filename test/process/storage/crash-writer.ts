/**
 * Crash-test writer: opens (and so recovers) a partition log in fsync mode and appends batches
 * with a few appends in flight, printing one line per acknowledged append:
 *
 *   ready <logEndOffset>
 *   ack <baseOffset> <lastOffset> <tag>
 *
 * Record i of the append tagged <tag> has value `crashValue(tag, i)`, so the test can check every
 * acknowledged record byte for byte. The test SIGKILLs this process at random moments.
 *
 * Usage: node crash-writer.ts <dir> <round> <segmentBytes>
 */
import { encodeRecordBatch } from '@runnel/protocol';
import { PartitionLog, defaultLogConfig } from '@runnel/storage';
import { crashValue, recordsInAppend } from './crash-values.ts';

const [dir, round, segmentBytes] = process.argv.slice(2);
if (dir === undefined || round === undefined || segmentBytes === undefined) {
  process.stderr.write('usage: crash-writer.ts <dir> <round> <segmentBytes>\n');
  process.exit(2);
}

const log = await PartitionLog.open({
  dir,
  name: 'crash-0',
  config: { ...defaultLogConfig, durability: 'fsync', segmentBytes: Number(segmentBytes), indexIntervalBytes: 1024 },
});
process.stdout.write(`ready ${log.logEndOffset}\n`);

const IN_FLIGHT = 4;
let seq = 0;

async function appendLoop(): Promise<void> {
  for (;;) {
    const tag = `r${round}s${seq++}`;
    const count = recordsInAppend(tag);
    const batch = encodeRecordBatch(Array.from({ length: count }, (_, i) => ({ key: Buffer.from(`${tag}:${i}`), value: crashValue(tag, i) })));
    const { baseOffset, lastOffset } = await log.append(batch, { leaderEpoch: Number(round), assignOffsets: true });
    process.stdout.write(`ack ${baseOffset} ${lastOffset} ${tag}\n`);
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, () => appendLoop()));
