/**
 * The chaos test's workload through @runnel/client, recorded in the shared history format
 * (test/support/history): producers send unique values (`<process>-<n>`, also the key, so keys
 * spread over partitions by Kafka's murmur2) with acks=all and a bounded number of sends in flight,
 * and a reader tails every partition from the start (reads up to the high watermark).
 *
 * Outcomes: an acknowledged send is `ok` at its offset. A producer that retries can fail with the
 * code of its last attempt while an earlier attempt was appended, so its failures are `info`
 * (unknown). Only the producers with `retries: 0` make one attempt per record, so a rejection
 * that the broker guarantees happened before any append ({@link DEFINITE_FAILURES}) is `fail`.
 */
import { Consumer, Producer, RunnelError, murmur2, toPositive } from '@runnel/client';
import type { HistoryRecorder } from '../support/history/index.ts';

/** Codes that a broker answers only before appending anything (DESIGN.md §6 rule 4). */
export const DEFINITE_FAILURES: ReadonlySet<string> = new Set(['NOT_LEADER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH', 'LEADER_NOT_AVAILABLE', 'NOT_ENOUGH_REPLICAS']);

/** Options of {@link runWorkload}. */
export interface WorkloadOptions {
  readonly bootstrap: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  readonly history: HistoryRecorder;
  /** Producers that retry (client defaults). */
  readonly retryingProducers: number;
  /** Producers with retries: 0, whose rejections are definite failures. */
  readonly singleShotProducers: number;
  /** Sends in flight per producer. */
  readonly concurrency: number;
  /** Per-send bound: Kafka's delivery.timeout.ms. */
  readonly deliveryTimeoutMs: number;
  /** Also tail every partition with a consumer and record its reads. @default true */
  readonly reader?: boolean;
}

/** What the workload did, besides the history. */
export interface WorkloadStats {
  readonly sends: number;
  readonly readBatches: number;
  /** Times the reader started over after an error the consumer does not retry. */
  readonly readerRestarts: number;
}

/** Partition of a key as the client's default partitioner computes it. */
export function partitionOf(key: string, partitions: number): number {
  return toPositive(murmur2(Buffer.from(key))) % partitions;
}

/** Runs producers (and the reader) until `signal` aborts, then lets sends in flight finish (bounded by their delivery timeout). */
export async function runWorkload(o: WorkloadOptions, signal: AbortSignal): Promise<WorkloadStats> {
  let sends = 0;
  const producerRuns: Array<Promise<void>> = [];
  const total = o.retryingProducers + o.singleShotProducers;
  for (let i = 0; i < total; i++) {
    const singleShot = i >= o.retryingProducers;
    const name = `${singleShot ? 'once' : 'retry'}${i}`;
    const producer = new Producer({
      bootstrap: o.bootstrap,
      acks: 'all',
      lingerMs: 2,
      deliveryTimeoutMs: o.deliveryTimeoutMs,
      requestTimeoutMs: Math.min(5_000, o.deliveryTimeoutMs),
      retryBackoffMs: 50,
      retryBackoffMaxMs: 500,
      ...(singleShot ? { retries: 0 } : {}),
    });
    const one = async (): Promise<void> => {
      const value = `${name}-${sends++}`;
      const partition = partitionOf(value, o.partitions);
      const op = o.history.invokeSend(name, `${o.topic}-${partition}`, value, 'all');
      try {
        const meta = await producer.send({ topic: o.topic, key: value, value, partition });
        op.ok(meta.offset);
      } catch (err) {
        const code = err instanceof RunnelError ? err.code : 'UNKNOWN';
        if (singleShot && DEFINITE_FAILURES.has(code)) op.fail(code);
        else op.info(code);
      }
    };
    const lane = async (): Promise<void> => {
      while (!signal.aborted) await one();
    };
    producerRuns.push(
      Promise.all(Array.from({ length: o.concurrency }, lane)).finally(() => producer.close({ timeoutMs: 5_000 }).catch(() => undefined)).then(() => undefined),
    );
  }
  const reader = o.reader === false ? Promise.resolve({ batches: 0, restarts: 0 }) : runReader(o, signal);
  const [read] = await Promise.all([reader, ...producerRuns]);
  return { sends, readBatches: read.batches, readerRestarts: read.restarts };
}

/**
 * Tails every partition from offset 0, recording each fetched batch as one read. The reader only
 * observes: an error the consumer does not retry itself (e.g. a restarting broker that answers
 * before all its services are up) is counted and the reader starts over from where it was.
 */
async function runReader(o: WorkloadOptions, signal: AbortSignal): Promise<{ batches: number; restarts: number }> {
  const tps = Array.from({ length: o.partitions }, (_, partition) => ({ topic: o.topic, partition }));
  const next = tps.map(() => 0);
  let batches = 0;
  let restarts = 0;
  while (!signal.aborted) {
    const consumer = new Consumer({ bootstrap: o.bootstrap, autoOffsetReset: 'earliest', maxWaitMs: 200, requestTimeoutMs: 5_000, retryBackoffMs: 50, retryBackoffMaxMs: 500 });
    consumer.assign(tps);
    for (const tp of tps) consumer.seek(tp, { offset: next[tp.partition]! });
    try {
      for await (const batch of consumer.batches({ signal })) {
        const first = batch.records[0];
        if (first === undefined) continue;
        const op = o.history.invokeRead('reader', `${o.topic}-${batch.partition}`, first.offset, 'read');
        op.ok(batch.records.map((r) => ({ offset: r.offset, value: r.value?.toString() ?? '' })));
        next[batch.partition] = batch.records.at(-1)!.offset + 1;
        batches++;
      }
    } catch {
      if (signal.aborted) break;
      restarts++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await consumer.close();
    }
  }
  return { batches, restarts };
}
