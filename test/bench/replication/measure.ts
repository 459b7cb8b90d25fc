/**
 * Measurements of the replication benchmark (test/bench/replication.ts): produce throughput,
 * end-to-end latency, time to the first acknowledged produce after a leader's SIGKILL, and Lease
 * write counters (the API server's own request counter, and the brokers' runnel_lease_writes_total).
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Consumer, Producer } from '@runnel/client';
import type { ChaosBroker } from '../../chaos/chaos-broker.ts';

const RECORD = Buffer.alloc(1024, 0x61);

/** Produce throughput with acks=all, 1 KiB records, `inFlight` sendBatch calls of `batch` records outstanding. */
export async function produceThroughput(bootstrap: readonly string[], topic: string, seconds: number, options: { inFlight?: number; batch?: number } = {}): Promise<{ mbPerSec: number; recordsPerSec: number }> {
  const producer = new Producer({ bootstrap, acks: 'all', lingerMs: 5, batchSize: 256 * 1024, maxRequestSize: 4 * 1024 * 1024, maxInFlight: 5, bufferMemory: 64 * 1024 * 1024 });
  const batch = options.batch ?? 200;
  const messages = Array.from({ length: batch }, () => ({ value: RECORD }));
  let acked = 0;
  const stopAt = performance.now() + seconds * 1000;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      await producer.sendBatch(topic, messages);
      acked += batch;
    }
  };
  try {
    // Warm-up: learn metadata and open streams outside the measured window.
    await producer.sendBatch(topic, messages);
    await Promise.all(Array.from({ length: options.inFlight ?? 8 }, lane));
  } finally {
    await producer.close();
  }
  const secs = (performance.now() - started) / 1000;
  return { mbPerSec: (acked * RECORD.length) / secs / 1e6, recordsPerSec: acked / secs };
}

/** End-to-end latency (send call to consumer delivery, one clock) at a fixed rate; percentiles in ms. */
export async function endToEndLatency(bootstrap: readonly string[], topic: string, partitions: number, ratePerSec: number, seconds: number): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const consumer = new Consumer({ bootstrap, autoOffsetReset: 'latest', maxWaitMs: 100 });
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  consumer.assign(tps);
  const producer = new Producer({ bootstrap, acks: 'all', lingerMs: 0 });
  const stop = new AbortController();
  const latencies: number[] = [];
  const sentAt = new Map<string, number>();
  const consuming = (async () => {
    try {
      for await (const record of consumer.records({ signal: stop.signal })) {
        const key = record.key?.toString() ?? '';
        const t = sentAt.get(key);
        if (t !== undefined) latencies.push(performance.now() - t);
      }
    } catch {
      // aborted
    }
  })();
  // Let the consumer resolve 'latest' before the first measured record.
  await producer.send({ topic, value: 'warm-up' });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const total = Math.round(ratePerSec * seconds);
  const started = performance.now();
  const pending: Array<Promise<unknown>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const key = `l${i}`;
    sentAt.set(key, performance.now());
    pending.push(producer.send({ topic, key, value: RECORD }));
  }
  await Promise.all(pending);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  stop.abort();
  await consuming;
  await Promise.all([producer.close(), consumer.close()]);
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? NaN, count: latencies.length };
}

/**
 * SIGKILLs `leader` and sends to `partition` in a loop (one send in flight, short request timeout)
 * until one is acknowledged; returns ms from the kill to that acknowledgement. Every success after
 * the kill is on another broker: the killed one cannot answer.
 */
export async function failoverTime(bootstrap: readonly string[], topic: string, partition: number, leader: ChaosBroker, timeoutMs: number): Promise<number> {
  const producer = new Producer({ bootstrap, acks: 'all', lingerMs: 0, requestTimeoutMs: 1_000, deliveryTimeoutMs: 2_000, retryBackoffMs: 20, retryBackoffMaxMs: 100 });
  try {
    await producer.send({ topic, partition, value: 'before' });
    const killedAt = performance.now();
    await leader.kill();
    while (performance.now() - killedAt < timeoutMs) {
      try {
        await producer.send({ topic, partition, value: RECORD });
        return performance.now() - killedAt;
      } catch {
        // Not yet: no leader, or the client has not learned the new one.
      }
    }
    throw new Error(`No produce to ${topic}-${partition} succeeded within ${timeoutMs} ms of killing broker ${leader.id}`);
  } finally {
    await producer.close({ timeoutMs: 2_000 }).catch(() => undefined);
  }
}

/** Lease writes (create/update) counted by the API server itself: apiserver_request_total for leases. */
export async function apiServerLeaseWrites(kubeconfigPath: string, caFile: string): Promise<number> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const token = kc.getCurrentUser()?.token ?? '';
  const ca = await readFile(caFile);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request({ host: server.hostname, port: server.port, path: '/metrics', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return sumSamples(text, 'apiserver_request_total', (labels) => labels.includes('resource="leases"') && /verb="(PUT|POST|PATCH)"/.test(labels));
}

/** runnel_lease_writes_total of each running broker that exports it (broker id -> count). */
export async function brokerLeaseWrites(brokers: readonly ChaosBroker[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const b of brokers) {
    if (b.metricsAddress === undefined || b.state !== 'running') continue;
    const text = await fetch(`http://${b.metricsAddress}/metrics`).then((r) => r.text(), () => '');
    if (text.includes('runnel_lease_writes_total')) out.set(b.id, sumSamples(text, 'runnel_lease_writes_total', () => true));
  }
  return out;
}

/** Writes between two samples of {@link brokerLeaseWrites}, over the brokers present in both (a killed broker's counter is gone). */
export function brokerWritesBetween(before: Map<number, number>, after: Map<number, number>): number | undefined {
  let sum: number | undefined;
  for (const [id, count] of after) {
    const was = before.get(id);
    if (was !== undefined) sum = (sum ?? 0) + count - was;
  }
  return sum;
}

/** Sum of the samples of `metric` whose label text passes `keep`. */
function sumSamples(text: string, metric: string, keep: (labels: string) => boolean): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const m = /^(\w+)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== metric || !keep(m[2] ?? '')) continue;
    sum += Number(m[3]);
  }
  return sum;
}
