/**
 * `runnel bench partitions` (issue 12 §1): what many partitions cost.
 *
 * - local: one `runnel broker` process (memory store); the time from CreateTopics of N partitions
 *   until every partition has a leader, the broker's RSS after that, and its RSS under a light
 *   produce load spread over every partition.
 * - with --kubeconfig (the real control plane, e.g. `npm run -s kube`):
 *   - the Lease CAS updates/s the API server sustains with 1…64 concurrent writers (no client limit);
 *   - three `runnel broker --metadata kubernetes` processes: an RF 1 topic of N partitions from
 *     creation (as the operator creates it: default write limit and concurrency) until the brokers
 *     lead every one (their `runnel_broker_leader_partitions`, not only a holder in each Lease);
 *   - failover: an RF 3 topic of --failover-partitions partitions all led by broker 0 (followers
 *     alternate between 1 and 2, as a balanced assignment would), SIGKILL of broker 0, the time
 *     until every partition is led again by a live broker, and the API server's Lease writes/s
 *     during that time (from kube-apiserver's own `apiserver_request_total`).
 *
 * Every phase that fails is a FAILED row, and the others still run.
 */
import { createServer, type AddressInfo } from 'node:net';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Admin, Producer } from '@runnel/client';
import type { KubernetesMetadataStore, PartitionState, Versioned } from '@runnel/metadata';
import { round, type BenchResult } from './bench-config.ts';
import { readRss, RssSampler, spawnBroker, type BenchBroker } from './broker-process.ts';
import { failedRow, guarded } from './replication-bench.ts';

/** Options of {@link partitionsBench}. */
export interface PartitionsBenchOptions {
  /** Partitions of the created topic (local, and the kube creation phase). */
  readonly partitions: number;
  /** Partitions led by the broker that is killed (kube failover phase). */
  readonly failoverPartitions: number;
  /** Seconds of light produce load (local phase). */
  readonly loadSeconds: number;
  /** Records/s of the light load, spread over every partition. */
  readonly loadRate: number;
  /** Concurrent writers of the API CAS phase. */
  readonly casWriters: readonly number[];
  /** Seconds per writer count of the API CAS phase. */
  readonly casSeconds: number;
  /** Deadline of "all led" in the kube phases. */
  readonly ledTimeoutMs: number;
  /** The control plane; without it only the local phase runs. */
  readonly kubeconfig?: string;
  readonly namespace?: string;
  /** Only the kube phases (skip local). */
  readonly skipLocal?: boolean;
  readonly dataDir: string;
  /** Node flags for every broker process it starts (e.g. --cpu-prof --cpu-prof-dir DIR). */
  readonly brokerNodeArgs?: readonly string[];
}

type Report = { results: BenchResult[]; summary: Array<[string, string]> };

const row = (workload: string, seconds: number, notes: string, extra: Partial<BenchResult> = {}): BenchResult => ({ workload, records: 0, seconds: round(seconds, 2), recordsPerSec: 0, mbPerSec: 0, notes, ...extra });

/** Runs the phases; never throws for a failed phase. */
export async function partitionsBench(o: PartitionsBenchOptions, log: (line: string) => void): Promise<Report> {
  const report: Report = { results: [], summary: [] };
  if (!o.skipLocal) await localPhase(o, report, log);
  if (o.kubeconfig !== undefined) await kubePhases(o, report, log);
  else report.summary.push(['kubernetes phases', 'skipped (no --kubeconfig)']);
  return report;
}

/** Polls `check` every `everyMs` until it returns true; the elapsed ms, or throws at `timeoutMs`. */
async function until(what: string, timeoutMs: number, everyMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (performance.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

async function localPhase(o: PartitionsBenchOptions, report: Report, log: (line: string) => void): Promise<void> {
  let broker: BenchBroker | undefined;
  const name = `parts-${Math.random().toString(36).slice(2, 8)}`;
  try {
    broker = await spawnBroker(join(o.dataDir, 'local-broker'), o.brokerNodeArgs ?? []);
  } catch (err) {
    report.results.push(failedRow('local: start runnel broker', err));
    return;
  }
  const b = broker;
  const admin = new Admin({ bootstrap: b.bootstrap, requestTimeoutMs: 120_000 });
  try {
    const createWorkload = `local: create ${o.partitions} partitions until all led`;
    log(createWorkload);
    let created = false;
    const creation = await guarded(createWorkload, async () => {
      const started = performance.now();
      await admin.createTopics([{ name, partitions: o.partitions }]);
      const answered = performance.now() - started;
      let led = 0;
      await until(`every partition of ${name} led`, 120_000, 50, async () => {
        const t = (await admin.describeTopics([name]))[0];
        led = t?.partitions.filter((p) => p.leaderId >= 0).length ?? 0;
        return led === o.partitions;
      });
      created = true;
      const seconds = (performance.now() - started) / 1000;
      const rss = await readRss(b.pid);
      return { ...row(createWorkload, seconds, `CreateTopics answered in ${round(answered / 1000, 2)} s; ${led}/${o.partitions} led`), records: o.partitions, recordsPerSec: round(o.partitions / seconds), ...(rss ? { brokerRssMb: round(rss.rss / 1e6) } : {}) };
    });
    report.results.push(creation);
    log(`${creation.workload}: ${creation.seconds} s; ${creation.notes ?? ''}`);
    report.summary.push([`local: ${o.partitions} partitions created and led`, creation.notes?.startsWith('FAILED') ? 'FAILED' : `${creation.seconds} s (aim <= 5 s)`]);
    report.summary.push([`local: broker RSS after creating ${o.partitions} partitions`, creation.brokerRssMb === undefined ? 'n/a' : `${creation.brokerRssMb} MB`]);
    if (!created) return;
    const loadWorkload = `local: produce ${o.loadRate} rec/s of 100 B over ${o.partitions} partitions for ${o.loadSeconds} s`;
    log(loadWorkload);
    const load = await guarded(loadWorkload, () => lightLoad(b, name, o, loadWorkload));
    report.results.push(load);
    report.summary.push([`local: broker RSS with ${o.partitions} partitions under load (peak of samples)`, load.brokerRssMb === undefined ? 'n/a' : `${load.brokerRssMb} MB (aim <= 1024 MB)`]);
  } finally {
    await admin.close();
    await b.stop();
  }
}

/** Paced produce of 100 B records, round robin over every partition (each gets at least one), acks=1. */
async function lightLoad(b: BenchBroker, topic: string, o: PartitionsBenchOptions, workload: string): Promise<BenchResult> {
  const sampler = new RssSampler(b.pid, 250);
  const producer = new Producer({ bootstrap: b.bootstrap, acks: 1, lingerMs: 5 });
  const value = Buffer.alloc(100, 120);
  let sent = 0;
  let acked = 0;
  let failed = 0;
  const touched = new Set<number>();
  const pending: Array<Promise<unknown>> = [];
  const started = performance.now();
  try {
    // Until the duration is over and every partition has had a record.
    while (performance.now() - started < o.loadSeconds * 1000 || sent < o.partitions) {
      const due = Math.floor(((performance.now() - started) / 1000) * o.loadRate);
      for (; sent < due; sent++) {
        const partition = sent % o.partitions;
        touched.add(partition);
        pending.push(producer.send({ topic, partition, value }).then(() => acked++, () => failed++));
      }
      if (pending.length > 10_000) await Promise.all(pending.splice(0));
      await delay(10);
    }
    await Promise.all(pending);
  } finally {
    await producer.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const last = await readRss(b.pid);
  const peak = Math.max(sampler.stop(), last?.rss ?? 0);
  return {
    workload,
    records: acked,
    seconds: round(seconds, 2),
    recordsPerSec: round(acked / seconds),
    mbPerSec: round((acked * 100) / seconds / 1e6, 2),
    ...(peak > 0 ? { brokerRssMb: round(peak / 1e6) } : {}),
    notes: `${touched.size} partitions written${failed > 0 ? `, ${failed} sends failed` : ''}`,
  };
}

/** Lease writes the API server has answered so far (POST/PUT/PATCH/DELETE of leases), from its /metrics. */
async function apiLeaseWrites(kubeconfig: string): Promise<number | undefined> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) return undefined;
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(new URL('/metrics', cluster.server), { ...opts, method: 'GET', timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('GET /metrics timed out')));
    req.end();
  });
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('resource="leases"')) continue;
    if (!/verb="(POST|PUT|PATCH|DELETE)"/.test(line)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

async function openStore(o: PartitionsBenchOptions, cluster: string, unlimited: boolean): Promise<KubernetesMetadataStore> {
  const { openKubernetesMetadataStore } = await import('@runnel/metadata');
  const free = { ratePerSecond: 1_000_000, burst: 1_000_000, maxWaiters: 1_000_000 };
  return openKubernetesMetadataStore({
    cluster,
    kubeconfigPath: o.kubeconfig!,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    // The bench's own writes (creating Leases and topics, the CAS phase) are not what is measured.
    ...(unlimited ? { writeRateLimit: free } : {}),
    requestTimeoutMs: 10_000,
  });
}

async function kubePhases(o: PartitionsBenchOptions, report: Report, log: (line: string) => void): Promise<void> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { applyCrds } = await import('@runnel/metadata');
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(o.kubeconfig!);
    await applyCrds(kc);
  } catch (err) {
    report.results.push(failedRow('kube: apply the CRDs', err));
    return;
  }
  for (const writers of o.casWriters) {
    const workload = `kube: Lease CAS updates, ${writers} concurrent writers, ${o.casSeconds} s`;
    log(workload);
    const r = await guarded(workload, () => casRate(o, writers, workload));
    report.results.push(r);
    report.summary.push([`kube: API Lease CAS/s with ${writers} writers`, r.notes?.startsWith('FAILED') ? 'FAILED' : `${r.recordsPerSec}/s`]);
  }
  const creation = `kube: RF 1 topic of ${o.partitions} partitions, 3 brokers, creation until all led`;
  log(creation);
  const c = await guarded(creation, () => creationUntilLed(o, creation, log));
  report.results.push(c);
  log(`${c.workload}: ${c.seconds} s; ${c.notes ?? ''}`);
  report.summary.push([`kube: ${o.partitions} partitions created and all led`, c.notes?.startsWith('FAILED') ? 'FAILED' : `${c.seconds} s (aim <= 60 s)`]);
  const failover = `kube: SIGKILL of the broker leading ${o.failoverPartitions} partitions (RF 3) until all led`;
  log(failover);
  let apiWritesPerSec: number | undefined;
  const f = await guarded(failover, async () => {
    const r = await failoverPhase(o, failover, log);
    apiWritesPerSec = r.apiWritesPerSec;
    return r.result;
  });
  report.results.push(f);
  log(`${f.workload}: ${f.seconds} s; ${f.notes ?? ''}`);
  report.summary.push([`kube: failover of ${o.failoverPartitions} partitions`, f.notes?.startsWith('FAILED') ? 'FAILED' : `${f.seconds} s after SIGKILL (aim <= lease duration 10 s + 5 s)`]);
  if (apiWritesPerSec !== undefined) report.summary.push(['kube: API Lease writes/s during the failover (first takeover to last)', `${apiWritesPerSec}/s`]);
}

/** `writers` loops, each CASing its own Lease (update with the version it got back) as fast as the API answers. */
async function casRate(o: PartitionsBenchOptions, writers: number, workload: string): Promise<BenchResult> {
  const cluster = `cas-${Math.random().toString(36).slice(2, 8)}`;
  const store = await openStore(o, cluster, true);
  const names = Array.from({ length: writers }, (_, i) => `cas-${i}`);
  try {
    const base = (i: number): PartitionState => ({ topic: 'cas', partition: i, topicId: 'cas', holder: null, leaderEpoch: 0, partitionEpoch: 0, replicas: [0], isr: [], epochStartOffset: 0, proposalId: null, handoverTo: null });
    const versions = await Promise.all(names.map((n, i) => store.partitions.create(n, base(i))));
    let done = 0;
    let conflicts = 0;
    const started = performance.now();
    const end = started + o.casSeconds * 1000;
    await Promise.all(versions.map(async (v0, i) => {
      let v: Versioned<PartitionState> = v0;
      while (performance.now() < end) {
        try {
          v = await store.partitions.update(names[i]!, { ...v.value, partitionEpoch: v.value.partitionEpoch + 1 }, v.resourceVersion);
          done++;
        } catch {
          conflicts++;
          v = (await store.partitions.get(names[i]!)) ?? v;
        }
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    return { workload, records: done, seconds: round(seconds, 2), recordsPerSec: round(done / seconds), mbPerSec: 0, notes: `${done} CAS applied${conflicts ? `, ${conflicts} failed` : ''}` };
  } finally {
    await Promise.allSettled(names.map((n) => store.partitions.delete(n)));
    await store.close();
  }
}

interface KubeCluster {
  brokers: Array<BenchBroker | undefined>;
  /** Each broker's Prometheus /metrics URL. */
  metrics: Array<string | undefined>;
  store: KubernetesMetadataStore;
  cluster: string;
  start: (ids: readonly number[]) => Promise<void>;
  close: () => Promise<void>;
}

async function startKubeBrokers(o: PartitionsBenchOptions, dir: string, log: (line: string) => void, ids: readonly number[] = [0, 1, 2]): Promise<KubeCluster> {
  const cluster = `pb-${Math.random().toString(36).slice(2, 8)}`;
  const store = await openStore(o, cluster, true);
  const c: KubeCluster = {
    brokers: [],
    metrics: [],
    store,
    cluster,
    start: async (more) => {
      log(`starting broker processes ${more.join(', ')} (cluster ${cluster}, kubernetes store, default timings)`);
      for (const id of more) {
        const metricsPort = await freePort();
        c.brokers[id] = await spawnBroker(join(o.dataDir, dir, `broker-${id}`), o.brokerNodeArgs ?? [], ['--id', String(id), '--metadata', 'kubernetes', '--cluster', cluster, '--kubeconfig', o.kubeconfig!, '--metrics-port', String(metricsPort), ...(o.namespace ? ['--namespace', o.namespace] : [])]);
        c.metrics[id] = `http://127.0.0.1:${metricsPort}/metrics`;
      }
    },
    close: async () => {
      await Promise.all(c.brokers.map((b) => (b ? stopWithin(b, 30_000, log) : Promise.resolve())));
      await store.close().catch(() => undefined);
    },
  };
  try {
    await c.start(ids);
  } catch (err) {
    await c.close();
    throw err;
  }
  return c;
}

/**
 * SIGTERM, and SIGKILL if the broker has not exited after `ms`: measured, two brokers that had just
 * taken over ~1,000 partitions and were stopped together did not exit within 90 s (each waited
 * for handovers to the other), and a bench must not hang on that.
 */
async function stopWithin(b: BenchBroker, ms: number, log: (line: string) => void): Promise<void> {
  const stopped = b.stop();
  const timer = delay(ms, 'late' as const);
  if ((await Promise.race([stopped, timer])) !== 'late') return;
  log(`broker process ${b.pid} did not exit ${ms / 1000} s after SIGTERM; SIGKILL`);
  try {
    process.kill(b.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await stopped;
}

/** Leases of the topic and how many have a holder other than `notHolder`. */
async function ledCount(store: KubernetesMetadataStore, topic: string, notHolder?: number): Promise<{ total: number; led: number }> {
  const { items } = await store.partitions.list();
  const mine = items.filter((i) => i.value.topic === topic);
  return { total: mine.length, led: mine.filter((i) => i.value.holder !== null && i.value.holder.id !== notHolder).length };
}

/**
 * Watches the partition Leases of `topic` from `listed` until every one has a holder other than
 * `notHolder`, or `timeoutMs` passes; calls `onFirst` when the first one does. Returns how many
 * are so led. An expired or failed watch lists again and goes on.
 */
async function watchUntilLed(store: KubernetesMetadataStore, listed: { items: Array<Versioned<PartitionState>>; resourceVersion: string }, topic: string, notHolder: number, timeoutMs: number, onFirst: () => void): Promise<number> {
  const holders = new Map<string, number | undefined>();
  const isLed = (v: PartitionState): boolean => v.holder !== null && v.holder.id !== notHolder;
  const total = (): number => [...holders.values()].filter((h) => h !== undefined && h !== notHolder).length;
  const apply = (item: Versioned<PartitionState>): void => {
    if (item.value.topic !== topic) return;
    const wasLed = total();
    holders.set(item.name, item.value.holder?.id);
    if (wasLed === 0 && isLed(item.value)) onFirst();
  };
  const expected = listed.items.filter((i) => i.value.topic === topic).length;
  for (const item of listed.items) if (item.value.topic === topic) holders.set(item.name, item.value.holder?.id);
  if (total() > 0) onFirst();
  const stop = AbortSignal.timeout(timeoutMs);
  let rv = listed.resourceVersion;
  while (total() < expected && !stop.aborted) {
    try {
      for await (const event of store.partitions.watch({ resourceVersion: rv, signal: stop })) {
        if (event.type !== 'DELETED') apply(event.object);
        rv = event.object.resourceVersion;
        if (total() >= expected) break;
      }
    } catch {
      if (stop.aborted) break;
      const again = await store.partitions.list().catch(() => undefined);
      if (again === undefined) {
        await delay(250);
        continue;
      }
      for (const item of again.items) apply(item);
      rv = again.resourceVersion;
    }
  }
  return total();
}

/** A TCP port free at the time of asking (the broker binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Partitions the brokers themselves lead (their `runnel_broker_leader_partitions`): a Lease naming a
 * holder is not yet a leader, the broker must open the partition and take the epoch.
 */
async function brokersLeading(c: KubeCluster): Promise<number> {
  let total = 0;
  for (const url of c.metrics) {
    if (url === undefined) continue;
    const text = await (await fetch(url)).text();
    const m = /^runnel_broker_leader_partitions(?:\{[^}]*\})? (\d+)$/m.exec(text);
    if (m === null) throw new Error(`${url} has no runnel_broker_leader_partitions`);
    total += Number(m[1]);
  }
  return total;
}

/** `concurrency` undefined: provisionPartitions' default, as the operator runs it. */
async function createTopic(store: KubernetesMetadataStore, name: string, partitions: number, rf: number, assignments: number[][], concurrency?: number): Promise<void> {
  const { provisionPartitions } = await import('@runnel/metadata');
  await store.topics.create(name, { name, topicId: '', partitions, replicationFactor: rf, configs: rf > 1 ? { 'min.insync.replicas': '2' } : {}, assignments });
  await provisionPartitions(store, name, { brokers: [0, 1, 2], ...(concurrency === undefined ? {} : { concurrency }) });
}

async function creationUntilLed(o: PartitionsBenchOptions, workload: string, log: (line: string) => void): Promise<BenchResult> {
  const c = await startKubeBrokers(o, 'kube-create', log);
  try {
    const name = `created-${c.cluster}`;
    const writesBefore = await apiLeaseWrites(o.kubeconfig!).catch(() => undefined);
    // The partitions are created as the operator creates them: its store's default write limit
    // (200/s, burst 400) and provisionPartitions' default concurrency. With the first election in
    // the create, these writes are all the Lease writes a creation needs.
    const operatorStore = await openStore(o, c.cluster, false);
    const started = performance.now();
    try {
      await createTopic(operatorStore, name, o.partitions, 1, []);
    } finally {
      await operatorStore.close().catch(() => undefined);
    }
    const provisioned = (performance.now() - started) / 1000;
    let last = { total: 0, led: 0 };
    let leading = 0;
    let leasesLedAt: number | undefined;
    await until(`all ${o.partitions} partitions led`, o.ledTimeoutMs, 500, async () => {
      if (leasesLedAt === undefined) {
        last = await ledCount(c.store, name);
        if (last.led === o.partitions) leasesLedAt = performance.now();
      }
      leading = await brokersLeading(c);
      return leasesLedAt !== undefined && leading === o.partitions;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${last.led}/${o.partitions} Leases with a holder, ${leading} led by a broker`);
    });
    const seconds = (performance.now() - started) / 1000;
    const writesAfter = await apiLeaseWrites(o.kubeconfig!).catch(() => undefined);
    const rss = await Promise.all(c.brokers.map((b) => (b ? readRss(b.pid) : Promise.resolve(undefined))));
    const maxRss = Math.max(...rss.map((r) => r?.rss ?? 0));
    const writes = writesBefore !== undefined && writesAfter !== undefined ? writesAfter - writesBefore : undefined;
    return {
      ...row(workload, seconds, `Leases created in ${round(provisioned, 2)} s, all with a holder after ${round(((leasesLedAt ?? started) - started) / 1000, 2)} s, brokers lead all after ${round(seconds, 2)} s${writes !== undefined ? `; ${writes} API Lease writes, ${round(writes / seconds)}/s` : ''}`),
      records: o.partitions,
      recordsPerSec: round(o.partitions / seconds),
      ...(maxRss > 0 ? { brokerRssMb: round(maxRss / 1e6) } : {}),
    };
  } finally {
    await c.close();
  }
}

async function failoverPhase(o: PartitionsBenchOptions, workload: string, log: (line: string) => void): Promise<{ result: BenchResult; apiWritesPerSec: number | undefined }> {
  // Broker 0 alone first, so that it wins every first election (with all three up, the followers
  // take the partitions it has not reached within their rank delay).
  const c = await startKubeBrokers(o, 'kube-failover', log, [0]);
  try {
    const name = `failover-${c.cluster}`;
    const n = o.failoverPartitions;
    // Broker 0 leads every partition; the first follower (who takes over first) alternates.
    const assignments = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? [0, 1, 2] : [0, 2, 1]));
    await createTopic(c.store, name, n, 3, assignments, 64);
    let led = 0;
    await until(`all ${n} partitions led by broker 0`, o.ledTimeoutMs, 500, async () => {
      led = (await ledCount(c.store, name)).led;
      return led === n;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${led}/${n} led`);
    });
    await c.start([1, 2]);
    let ready = 0;
    await until(`all ${n} partitions led by broker 0 with a full ISR`, o.ledTimeoutMs * 2, 1000, async () => {
      const { items } = await c.store.partitions.list();
      ready = items.filter((i) => i.value.topic === name && i.value.holder?.id === 0 && i.value.isr.length === 3).length;
      return ready === n;
    }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${ready}/${n} ready`);
    });
    // From here on the Leases are watched, not listed: a LIST of every Lease every 250 ms was a
    // load on the API server of its own (1,000 Leases, ~1.2 MB each time), during the very writes
    // measured, and a watch dates each takeover as the API server reports it.
    const before = await c.store.partitions.list();
    const writesBefore = await apiLeaseWrites(o.kubeconfig!).catch(() => undefined);
    const victim = c.brokers[0]!;
    const started = performance.now();
    process.kill(victim.pid, 'SIGKILL');
    c.brokers[0] = undefined; // its stop() would wait for an exit that already happened
    // The wall-clock time lines the kill up with the brokers' JSON logs (RUNNEL_LOG_LEVEL=info or debug).
    log(`SIGKILL of broker 0 (pid ${victim.pid}) at ${new Date().toISOString()}`);
    let firstLedMs: number | undefined;
    let writesAtFirst: Promise<number | undefined> | undefined;
    const ledAgain = await watchUntilLed(c.store, before, name, 0, 120_000, () => {
      firstLedMs = performance.now() - started;
      writesAtFirst = apiLeaseWrites(o.kubeconfig!).catch(() => undefined);
    });
    if (ledAgain < n) throw new Error(`every partition led again not within 120000 ms: ${ledAgain}/${n} led`);
    const seconds = (performance.now() - started) / 1000;
    const writesAfter = await apiLeaseWrites(o.kubeconfig!).catch(() => undefined);
    const writes = writesBefore !== undefined && writesAfter !== undefined ? writesAfter - writesBefore : undefined;
    // The failover's own rate: API Lease writes (every client) from the first takeover seen to the last.
    const window = seconds - (firstLedMs ?? 0) / 1000;
    const atFirst = await writesAtFirst;
    const apiWritesPerSec = atFirst !== undefined && writesAfter !== undefined && window >= 0.5 ? round((writesAfter - atFirst) / window) : undefined;
    const result: BenchResult = {
      ...row(workload, seconds, `first partition led again after ${round((firstLedMs ?? 0) / 1000, 2)} s${writes !== undefined ? `; ${writes} API Lease writes (all clients) from SIGKILL to all led` : ''}`),
      records: n,
      recordsPerSec: round(n / Math.max(window, 0.001)),
    };
    return { result, apiWritesPerSec };
  } finally {
    await c.close();
  }
}
