/**
 * The final read of the chaos test, after healing: every partition from offset 0 up to its high
 * watermark, recorded as one `drain` read per partition (test/support/history). A partition that
 * cannot be drained in time gets a failed drain, which the checker treats as losing every
 * acknowledged value of that partition (a missing drain must fail the check, never pass it).
 */
import { Consumer, type ConsumerBatch } from '@runnel/client';
import type { HistoryRecorder, ObservedRecord } from '../support/history/index.ts';

/** Options of {@link drainPartitions}. */
export interface DrainOptions {
  readonly bootstrap: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly history: HistoryRecorder;
  /** Longest the whole drain may take. */
  readonly timeoutMs: number;
  /**
   * After every partition reached the high watermark of its last fetch, keep reading this long so
   * that a high watermark still catching up after the last failover is included. @default 1500
   */
  readonly quietMs?: number;
}

/** Reads every partition to its end; returns the record count per partition. */
export async function drainPartitions(o: DrainOptions): Promise<number[]> {
  const tps = Array.from({ length: o.partitions }, (_, partition) => ({ topic: o.topic, partition }));
  const ops = tps.map((tp) => o.history.invokeRead('drain', `${o.topic}-${tp.partition}`, 0, 'drain'));
  const records: ObservedRecord[][] = tps.map(() => []);
  const caughtUp = tps.map(() => false);
  const consumer = new Consumer({ bootstrap: o.bootstrap, autoOffsetReset: 'none', maxWaitMs: 100, requestTimeoutMs: 5_000, retryBackoffMs: 50, retryBackoffMaxMs: 500 });
  consumer.assign(tps);
  for (const tp of tps) consumer.seek(tp, { offset: 0 });
  const overall = AbortSignal.timeout(o.timeoutMs);
  const quiet = new AbortController();
  const signal = AbortSignal.any([overall, quiet.signal]);
  let error: unknown;
  let quietArmed = false;
  try {
    for await (const batch of consumer.batches({ signal })) {
      take(batch, records, caughtUp);
      if (caughtUp.every(Boolean) && !quietArmed) {
        quietArmed = true;
        setTimeout(() => quiet.abort(), o.quietMs ?? 1_500).unref();
      }
    }
  } catch (err) {
    if (!quiet.signal.aborted) error = err;
  } finally {
    await consumer.close();
  }
  tps.forEach((tp, i) => {
    if (caughtUp[i]) ops[i]!.ok(records[i]!);
    else ops[i]!.fail(error instanceof Error ? `${error.name}: ${error.message}` : `partition ${tp.partition} not drained within ${o.timeoutMs} ms`);
  });
  return records.map((r) => r.length);
}

function take(batch: ConsumerBatch, records: ObservedRecord[][], caughtUp: boolean[]): void {
  const into = records[batch.partition]!;
  for (const r of batch.records) into.push({ offset: r.offset, value: r.value?.toString() ?? '' });
  const last = batch.records.at(-1);
  if (last !== undefined && last.offset + 1 >= batch.highWatermark) caughtUp[batch.partition] = true;
}
