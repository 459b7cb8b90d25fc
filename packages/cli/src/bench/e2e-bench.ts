import { Consumer, Producer } from '@runnel/client';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';
import { LatencyHistogram } from './latency-histogram.ts';

/**
 * End-to-end latency: a producer sends at a fixed rate (cfg.rate records/s, paced every
 * millisecond) while a consumer in the same process tails the topic; each value carries its send
 * time (performance.now, same clock on both sides), so latency = consume time - send time.
 */
export async function e2eBench(cfg: BenchConfig): Promise<BenchResult> {
  const producer = new Producer({ bootstrap: cfg.bootstrap, acks: cfg.acks, batchSize: cfg.batchSize, lingerMs: cfg.lingerMs, compression: cfg.compression, maxInFlight: cfg.maxInFlight, bufferMemory: 128 * 1024 * 1024, maxRequestSize: Math.max(1024 * 1024, cfg.batchSize * 4) });
  const consumer = new Consumer({ bootstrap: cfg.bootstrap, maxWaitMs: 100, maxPartitionBytes: 8 * 1024 * 1024, maxPrefetchBytes: 64 * 1024 * 1024 });
  const partitions = Array.from({ length: cfg.partitions }, (_, partition) => ({ topic: cfg.topic, partition }));
  consumer.assign(partitions);
  for (const tp of partitions) consumer.seek(tp, 'latest');
  const histogram = new LatencyHistogram();
  /** Send to ack, once per record (as `histogram`): a call after a stall carries more records. */
  const ackHistogram = new LatencyHistogram();
  const stop = new AbortController();
  let received = 0;
  const reading = (async () => {
    for await (const batch of consumer.batches({ signal: stop.signal })) {
      const now = performance.now();
      for (const r of batch.records) {
        if (r.value && r.value.length >= 8) histogram.recordMs(now - r.value.readDoubleLE(0));
      }
      received += batch.records.length;
    }
  })();
  // Let the consumer position itself at the log end before producing.
  await producer.sendBatch(cfg.topic, [{ value: Buffer.alloc(cfg.recordSize), partition: 0 }]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  received = 0;

  const rate = cfg.rate > 0 ? cfg.rate : 10_000;
  const total = cfg.records ?? Math.round(rate * cfg.durationSec);
  const start = performance.now();
  let sent = 0;
  let failed: unknown;
  const pending = new Set<Promise<unknown>>();
  while (sent < total && failed === undefined) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    const n = due - sent;
    if (n > 0) {
      const now = performance.now();
      const messages = Array.from({ length: n }, (_, i) => {
        const value = Buffer.alloc(cfg.recordSize);
        value.writeDoubleLE(now, 0);
        return { value, partition: (sent + i) % cfg.partitions };
      });
      const p: Promise<unknown> = producer.sendBatch(cfg.topic, messages).then(() => ackHistogram.recordManyMs(performance.now() - now, n), (err: unknown) => (failed ??= err)).finally(() => pending.delete(p));
      pending.add(p);
      sent += n;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  const drainDeadline = performance.now() + 10_000;
  while (received < sent && performance.now() < drainDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const seconds = (performance.now() - start) / 1000;
  stop.abort();
  await reading;
  await Promise.all([producer.close(), consumer.close()]);
  if (failed !== undefined) throw failed;
  const l = histogram.summary();
  return {
    workload: `e2e ${cfg.recordSize} B @ ${rate} rec/s acks=${cfg.acks} linger=${cfg.lingerMs}`,
    records: received,
    seconds: round(seconds, 2),
    recordsPerSec: Math.round(received / seconds),
    mbPerSec: round((received * cfg.recordSize) / seconds / 1e6),
    latencyMs: { p50: l.p50, p99: l.p99, p999: l.p999, max: l.max },
    notes: `send->ack p50 ${ackHistogram.summary().p50} ms, p99 ${ackHistogram.summary().p99} ms${received < sent ? `; received ${received} of ${sent}` : ''}`,
  };
}
