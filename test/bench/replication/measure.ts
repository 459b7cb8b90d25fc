/**
 * Measurements of the replication benchmark (test/bench/replication.ts): time to the first
 * acknowledged produce after a leader's SIGKILL, and Lease write counters (the API server's own
 * request counter, and the brokers' runnel_broker_lease_writes_total).
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { Producer } from '@runnel/client';
import type { ChaosBroker } from '../../chaos/chaos-broker.ts';

const RECORD = Buffer.alloc(1024, 0x61);

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

/** runnel_broker_lease_writes_total of each running broker that exports it (broker id -> count). */
export async function brokerLeaseWrites(brokers: readonly ChaosBroker[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const b of brokers) {
    if (b.metricsAddress === undefined || b.state !== 'running') continue;
    const text = await fetch(`http://${b.metricsAddress}/metrics`).then((r) => r.text(), () => '');
    if (text.includes('runnel_broker_lease_writes_total')) out.set(b.id, sumSamples(text, 'runnel_broker_lease_writes_total', () => true));
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
