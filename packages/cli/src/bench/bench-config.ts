import type { CompressionCodec } from '@runnel/protocol';

/** Settings shared by the bench workloads. */
export interface BenchConfig {
  bootstrap: string;
  topic: string;
  recordSize: number;
  /** Stop after this many records... */
  records: number | undefined;
  /** ...or after this many seconds. */
  durationSec: number;
  partitions: number;
  acks: 'all' | 1 | 0;
  batchSize: number;
  lingerMs: number;
  compression: CompressionCodec;
  maxInFlight: number;
  /** e2e only: target records/s (0 = as fast as possible). */
  rate: number;
}

/** One workload's figures. MB = 10^6 bytes of record values. */
export interface BenchResult {
  workload: string;
  records: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  latencyMs?: { p50: number; p99: number; p999: number; max: number };
  brokerRssMb?: number;
  notes?: string;
}

/** Rounds for display. */
export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
