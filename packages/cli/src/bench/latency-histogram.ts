import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/** Latency percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * An HDR-style latency histogram (node:perf_hooks createHistogram, which is HdrHistogram inside)
 * recording microseconds, reported in milliseconds.
 */
export class LatencyHistogram {
  readonly #h: RecordableHistogram = createHistogram({ lowest: 1, highest: 60_000_000, figures: 3 });

  /** Records one latency given in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    this.#h.record(Math.max(1, Math.round(ms * 1000)));
  }

  /** Records the same latency `n` times (a batch of records acknowledged together). */
  recordManyMs(ms: number, n: number): void {
    const us = Math.max(1, Math.round(ms * 1000));
    for (let i = 0; i < n; i++) this.#h.record(us);
  }

  summary(): LatencySummary {
    const ms = (us: number): number => Math.round(us) / 1000;
    return { count: this.#h.count, p50: ms(this.#h.percentile(50)), p99: ms(this.#h.percentile(99)), p999: ms(this.#h.percentile(99.9)), max: ms(this.#h.max) };
  }
}
