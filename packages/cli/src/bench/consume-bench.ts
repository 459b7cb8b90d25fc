import { Consumer } from '@runnel/client';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';
import { cpuNote } from './produce-bench.ts';

/**
 * Reads `records` records (or for durationSec) from the earliest offset of every partition and
 * measures throughput. The topic must already hold the data (the produce bench writes it).
 */
export async function consumeBench(cfg: BenchConfig, expected: number, onProgress?: (records: number) => void): Promise<BenchResult> {
  const consumer = new Consumer({
    bootstrap: cfg.bootstrap,
    maxPartitionBytes: 4 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    maxPrefetchBytes: 64 * 1024 * 1024,
    maxWaitMs: 100,
  });
  const partitions = Array.from({ length: cfg.partitions }, (_, partition) => ({ topic: cfg.topic, partition }));
  consumer.assign(partitions);
  for (const tp of partitions) consumer.seek(tp, 'earliest');
  const deadline = performance.now() + cfg.durationSec * 1000;
  const stop = AbortSignal.timeout(Math.max(10_000, cfg.durationSec * 3000));
  let count = 0;
  let bytes = 0;
  let fetches = 0;
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for await (const batch of consumer.batches({ signal: stop })) {
    // The topic may hold more than `expected` (the produce bench's warm-up records): count only up
    // to `expected`, so the row reports the records it was asked to read.
    const take = batch.records.length <= expected - count ? batch.records : batch.records.slice(0, Math.max(0, expected - count));
    count += take.length;
    fetches++;
    for (const r of take) bytes += r.value?.length ?? 0;
    if ((count & 0xffff) < take.length) onProgress?.(count);
    if (count >= expected || (cfg.records === undefined && performance.now() > deadline)) break;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await consumer.close();
  return {
    workload: `consume ${cfg.recordSize} B p=${cfg.partitions}`,
    records: count,
    seconds: round(seconds, 2),
    recordsPerSec: Math.round(count / seconds),
    mbPerSec: round(bytes / seconds / 1e6),
    notes: `${cpuNote(cpu, count)}; ${fetches} partition fetches, avg ${round(bytes / Math.max(1, fetches) / 1024, 0)} KiB${count < expected ? `; read ${count} of ${expected} records before the deadline` : ''}`,
  };
}
