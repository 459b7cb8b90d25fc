/**
 * An offline-style integrity check of a partition log (what `kafka-dump-log --verify` would do):
 * rescan every batch with its CRC, and check that the sparse indexes agree with the rescan.
 * Used by the crash tests, and useful to operators after an incident.
 */
import { scanBatches } from './batch-scanner.ts';
import { locateBatch } from './log-reader.ts';
import type { LogSegment } from './log-segment.ts';

/** The outcome of a check. An empty `problems` list means the log is consistent. */
export interface IntegrityReport {
  batches: number;
  records: number;
  /** Offsets that no batch covers, between the log start and end (expected only after compaction). */
  gaps: number;
  problems: string[];
}

/** Checks `segments` (oldest first); `logEndOffset` is what the log claims. */
export async function verifySegments(segments: readonly LogSegment[], logEndOffset: number): Promise<IntegrityReport> {
  const report: IntegrityReport = { batches: 0, records: 0, gaps: 0, problems: [] };
  let expected = segments[0]?.baseOffset ?? 0;
  for (const seg of segments) {
    const scan = scanBatches(seg.file, { start: 0, end: seg.size, verifyCrc: true, minOffset: seg.baseOffset });
    let maxTimestampBefore = -1;
    const maxBefore: Array<[number, number]> = [];
    const batchAt = new Map<number, number>();
    for (;;) {
      const step = await scan.next();
      if (step.done === true) {
        if (step.value !== undefined) report.problems.push(`${seg.path}: batch at position ${step.value.position} is bad: ${step.value.reason}`);
        break;
      }
      const { header, position } = step.value;
      const last = header.baseOffset + header.lastOffsetDelta;
      report.batches++;
      report.records += header.recordCount;
      if (header.baseOffset < expected) report.problems.push(`${seg.path}: batch at position ${position} starts at offset ${header.baseOffset}, below ${expected}`);
      report.gaps += Math.max(0, header.baseOffset - expected);
      expected = last + 1;
      batchAt.set(position, header.baseOffset);
      // Index entries are checked one by one below; a full lookup is sampled (it costs a read).
      if (report.batches % 16 === 1) {
        for (const probe of new Set([header.baseOffset, last])) {
          const found = await locateBatch(seg, probe);
          if (found?.position !== position) {
            report.problems.push(`${seg.path}: the index leads offset ${probe} to position ${found?.position}, but its batch is at ${position}`);
          }
        }
      }
      maxBefore.push([seg.relative(header.baseOffset), maxTimestampBefore]);
      maxTimestampBefore = Math.max(maxTimestampBefore, header.maxTimestamp);
    }
    maxBefore.push([seg.relative(seg.nextOffset), maxTimestampBefore]);
    if (seg.size !== (await seg.file.stat()).size) report.problems.push(`${seg.path}: file size differs from the ${seg.size} bytes the log holds`);
    if (seg.maxTimestamp !== maxTimestampBefore) report.problems.push(`${seg.path}: max timestamp ${seg.maxTimestamp} but the batches say ${maxTimestampBefore}`);
    for (let i = 0; i < seg.offsetIndex.count; i++) {
      const base = seg.baseOffset + seg.offsetIndex.relativeOffsetAt(i);
      const position = seg.offsetIndex.positionAt(i);
      if (batchAt.get(position) !== base) report.problems.push(`${seg.path}: offset index entry ${i} maps offset ${base} to position ${position}, where no batch with that base offset starts`);
    }
    // Each time index entry (T, R) promises that every batch before R has timestamp <= T.
    for (let i = 0; i < seg.timeIndex.count; i++) {
      const rel = seg.timeIndex.relativeOffsetAt(i);
      const ts = seg.timeIndex.timestampAt(i);
      const actual = maxBefore.find(([r]) => r >= rel)?.[1] ?? maxTimestampBefore;
      if (actual > ts) report.problems.push(`${seg.path}: time index entry ${i} says batches before offset ${seg.baseOffset + rel} are <= ${ts}, but one has ${actual}`);
    }
  }
  if (expected !== logEndOffset) report.problems.push(`the batches end at offset ${expected}, but the log end offset is ${logEndOffset}`);
  return report;
}
