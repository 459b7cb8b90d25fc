// `npm run bench:leases -w @runnel/metadata`: Lease write latency and the write rate one client
// sustains through KubernetesMetadataStore (CAS PUTs with the version read, as brokers renew).
// Uses $KUBECONFIG when set, else starts the test control plane (test/kube). Prints a table and
// one JSON line. A benchmark, not a test: nothing here gates on a number.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { startKubeEnvironment, type KubeEnvironment } from '@runnel/test-kube';
import { CoreV1Api } from '@kubernetes/client-node';
import { KubernetesMetadataStore } from '../kubernetes/kubernetes-metadata-store.ts';
import { partitionStateName, type BrokerRegistration } from '../topic-model.ts';

interface Result {
  readonly scenario: string;
  readonly ops: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** CPU time of this (client) process per wall second: near 1 means the client is the bottleneck. */
  readonly clientCpu: number;
}

let cpuAtStart = process.cpuUsage();
function startCpu(): void {
  cpuAtStart = process.cpuUsage();
}

function summarize(scenario: string, latencies: number[], seconds: number): Result {
  const cpu = process.cpuUsage(cpuAtStart);
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const round = (n: number): number => Math.round(n * 100) / 100;
  return { scenario, ops: latencies.length, seconds: round(seconds), perSecond: round(latencies.length / seconds), p50Ms: round(at(0.5)), p99Ms: round(at(0.99)), maxMs: round(sorted.at(-1) ?? Number.NaN), clientCpu: round((cpu.user + cpu.system) / 1e6 / seconds) };
}

const broker = (id: number, brokerEpoch = 1): BrokerRegistration => ({ id, host: '127.0.0.1', port: 9000 + id, rack: '', brokerUuid: crypto.randomUUID(), brokerEpoch });

/** `leases` brokers each renew their own Lease by CAS back to back for `seconds`, all through one store. */
async function renewals(store: KubernetesMetadataStore, scenario: string, leases: number, seconds: number): Promise<Result> {
  const base = Number.parseInt(randomBytes(2).toString('hex'), 16);
  const latencies: number[] = [];
  startCpu();
  const started = performance.now();
  await Promise.all(Array.from({ length: leases }, async (_, i) => {
    const id = base * 100 + i;
    let current = await store.brokers.create(String(id), broker(id));
    while (performance.now() - started < seconds * 1000) {
      const sent = performance.now();
      current = await store.brokers.update(String(id), current.value, current.resourceVersion);
      latencies.push(performance.now() - sent);
    }
  }));
  return summarize(scenario, latencies, (performance.now() - started) / 1000);
}

/** `count` partition Leases updated by CAS back to back for `seconds` (ISR changes in a failover burst). */
async function partitionUpdates(store: KubernetesMetadataStore, scenario: string, count: number, seconds: number): Promise<Result> {
  const topic = `bench-${randomBytes(3).toString('hex')}`;
  const latencies: number[] = [];
  startCpu();
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, async (_, p) => {
    const name = partitionStateName(topic, p);
    let current = await store.partitions.create(name, { topic, partition: p, topicId: 'bench', holder: { id: 0, brokerEpoch: 1 }, leaderEpoch: 0, partitionEpoch: 0, replicas: [0, 1, 2], isr: [{ id: 0, brokerEpoch: 1 }], epochStartOffset: 0, proposalId: null, handoverTo: null });
    while (performance.now() - started < seconds * 1000) {
      const sent = performance.now();
      current = await store.partitions.update(name, { ...current.value, partitionEpoch: current.value.partitionEpoch + 1 }, current.resourceVersion);
      latencies.push(performance.now() - sent);
    }
  }));
  return summarize(scenario, latencies, (performance.now() - started) / 1000);
}

/** Time from a CAS update's reply to its event on an established watch (how stale a watcher is). */
async function watchDelay(store: KubernetesMetadataStore, count: number): Promise<Result> {
  const topic = `watch-${randomBytes(3).toString('hex')}`;
  const name = partitionStateName(topic, 0);
  let current = await store.partitions.create(name, { topic, partition: 0, topicId: 'bench', holder: null, leaderEpoch: -1, partitionEpoch: 0, replicas: [0], isr: [], epochStartOffset: 0, proposalId: null, handoverTo: null });
  const { resourceVersion } = await store.partitions.list();
  const controller = new AbortController();
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const consume = (async () => {
    for await (const event of store.partitions.watch({ resourceVersion, signal: controller.signal })) {
      const at = performance.now();
      const waiter = waiters.get(event.object.resourceVersion);
      if (waiter) waiter(at);
      else arrivals.set(event.object.resourceVersion, at);
    }
  })();
  const latencies: number[] = [];
  startCpu();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    current = await store.partitions.update(name, { ...current.value, partitionEpoch: i + 1 }, current.resourceVersion);
    const acked = performance.now();
    const seen = arrivals.get(current.resourceVersion) ?? (await new Promise<number>((resolve) => waiters.set(current.resourceVersion, resolve)));
    latencies.push(Math.max(0, seen - acked));
  }
  controller.abort();
  await consume;
  return summarize('watch event after CAS reply (serial)', latencies, (performance.now() - started) / 1000);
}

async function reads(store: KubernetesMetadataStore, count: number): Promise<Result> {
  const created = await store.brokers.create('424242', broker(424242));
  const latencies: number[] = [];
  startCpu();
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const sent = performance.now();
    await store.brokers.get(created.name);
    latencies.push(performance.now() - sent);
  }
  return summarize('consistent GET, serial', latencies, (performance.now() - started) / 1000);
}

let environment: KubeEnvironment | undefined;
const kubeConfig = new KubeConfig();
if (process.env['KUBECONFIG']) {
  kubeConfig.loadFromDefault();
} else {
  environment = await startKubeEnvironment({ log: (line) => console.error(line) });
  kubeConfig.loadFromFile(environment.context.kubeconfigPath);
}
const namespace = `bench-${randomBytes(4).toString('hex')}`;
const core = kubeConfig.makeApiClient(CoreV1Api);
await core.createNamespace({ body: { metadata: { name: namespace } } });
try {
  const unlimited = { ratePerSecond: 1_000_000, burst: 1_000_000, maxWaiters: 100_000 };
  const open = (writeRateLimit?: typeof unlimited) =>
    KubernetesMetadataStore.open({ cluster: 'bench', namespace, kubeConfig, requestTimeoutMs: 10_000, ...(writeRateLimit ? { writeRateLimit, brokerWriteRateLimit: writeRateLimit } : {}) });
  const fast = await open(unlimited);
  const limited = await open();
  const results = [
    await reads(fast, 500),
    await watchDelay(fast, 200),
    await renewals(fast, 'CAS renew, 1 Lease, serial', 1, 5),
    await renewals(fast, 'CAS renew, 8 Leases in parallel', 8, 5),
    await renewals(fast, 'CAS renew, 32 Leases in parallel', 32, 5),
    await partitionUpdates(fast, 'CAS partition update, 32 in parallel, no limit', 32, 5),
    await partitionUpdates(limited, `CAS partition update, 32 in parallel, default limit ${limited.writeRateLimit.ratePerSecond}/s burst ${limited.writeRateLimit.burst}`, 32, 5),
  ];
  console.table(results);
  console.log(JSON.stringify({ benchmark: 'lease-writes', server: kubeConfig.getCurrentCluster()?.server, results, stats: { fast: fast.stats, limited: limited.stats } }));
  await fast.close();
  await limited.close();
} finally {
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await environment?.stop();
}
