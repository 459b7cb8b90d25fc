import { Producer } from '@runnel/client';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';
import { LatencyHistogram } from './latency-histogram.ts';

/** Records per sendBatch call: amortises the promise per call, small against batchSize. */
const CHUNK = 256;

/**
 * Produces fixed-size records as fast as the producer allows (bounded by bufferMemory), round-robin
 * over partitions by explicit partition, and measures acknowledged throughput and the latency from
 * each chunk's send to its acknowledgement.
 */
export async function produceBench(cfg: BenchConfig, onProgress?: (records: number) => void): Promise<BenchResult> {
  const producer = new Producer({
    bootstrap: cfg.bootstrap,
    acks: cfg.acks,
    batchSize: cfg.batchSize,
    lingerMs: cfg.lingerMs,
    compression: cfg.compression,
    maxInFlight: cfg.maxInFlight,
    maxRequestSize: Math.max(1024 * 1024, cfg.batchSize * 4),
    // About two rounds of in-flight requests: enough to keep the pipe full, small enough that
    // latency measures the pipeline rather than a long queue in front of it.
    bufferMemory: Math.max(4 * 1024 * 1024, cfg.batchSize * cfg.maxInFlight * 2),
  });
  const value = Buffer.alloc(cfg.recordSize, 0x61);
  const histogram = new LatencyHistogram();
  const deadline = cfg.records === undefined ? performance.now() + cfg.durationSec * 1000 : Infinity;
  const total = cfg.records ?? Number.MAX_SAFE_INTEGER;
  let sent = 0;
  let acked = 0;
  let failed: unknown;
  let outstanding = 0;
  let slotFreed: (() => void) | undefined;
  let allDone: (() => void) | undefined;
  // About one buffer-memory of chunks waiting beyond what is buffered: the producer stays
  // saturated, and a send does not queue behind seconds of other sends (which would measure the
  // bench's own queue, not the pipeline).
  const bufferMemory = Math.max(4 * 1024 * 1024, cfg.batchSize * cfg.maxInFlight * 2);
  const maxOutstanding = Math.max(4, Math.ceil(bufferMemory / (CHUNK * (cfg.recordSize + 20))) + 2);
  const chunks = Array.from({ length: cfg.partitions }, (_, p) => Array.from({ length: CHUNK }, () => ({ value, partition: p })));
  // Warm up: metadata, stream, JIT.
  await producer.sendBatch(cfg.topic, chunks[0]!.slice(0, 10));
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let partition = 0;
  while (sent < total && performance.now() < deadline && failed === undefined) {
    const n = Math.min(CHUNK, total - sent);
    const batch = n === CHUNK ? chunks[partition]! : chunks[partition]!.slice(0, n);
    partition = (partition + 1) % cfg.partitions;
    const t0 = performance.now();
    const settle = (): void => {
      outstanding--;
      slotFreed?.();
      if (outstanding === 0) allDone?.();
    };
    outstanding++;
    producer.sendBatch(cfg.topic, batch).then(
      () => {
        // Every record of a chunk has the chunk's latency; chunks are equal-sized, so one sample per
        // chunk gives the same percentiles as one per record at 1/CHUNK of the cost.
        histogram.recordMs(performance.now() - t0);
        acked += n;
        settle();
      },
      (err: unknown) => {
        failed ??= err;
        settle();
      },
    );
    sent += n;
    // sendBatch waits for buffer memory itself; this only bounds the sends waiting for it.
    if (outstanding >= maxOutstanding) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
      slotFreed = undefined;
    } else if (sent % (CHUNK * 64) === 0) {
      onProgress?.(acked);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (outstanding > 0) await new Promise<void>((resolve) => (allDone = resolve));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await producer.close();
  if (failed !== undefined) throw failed;
  const l = histogram.summary();
  return {
    workload: `produce ${cfg.recordSize} B acks=${cfg.acks} p=${cfg.partitions}`,
    records: acked,
    seconds: round(seconds, 2),
    recordsPerSec: Math.round(acked / seconds),
    mbPerSec: round((acked * cfg.recordSize) / seconds / 1e6),
    latencyMs: { p50: l.p50, p99: l.p99, p999: l.p999, max: l.max },
    notes: cpuNote(cpu, acked),
  };
}

/**
 * Client CPU per record (user + system time of this process, all threads): what the client costs
 * independent of how busy the machine is, and the rate one core could sustain at that cost.
 */
export function cpuNote(cpu: NodeJS.CpuUsage, records: number): string {
  const us = (cpu.user + cpu.system) / Math.max(1, records);
  return `client CPU ${round(us, 2)} us/record (~${Math.round(1e6 / us).toLocaleString('en-US')} rec/s per core)`;
}
