// The replication benchmark of issue 4 (a benchmark, not a test): `npx node test/bench/replication.ts`
// starts the real control plane (test/kube), then three broker processes on this machine on the
// `kubernetes` metadata store (the chaos test's supervisor), and prints one table:
//  - produce MB/s with RF=3, minISR=2, acks=all, 1 KiB records, and its ratio to RF=1 in the same run;
//  - p50/p99 end-to-end latency (send to consumer delivery) at a fixed rate on RF=3;
//  - Lease writes/s in steady state and during a failover with 100 partitions (RF=3), counted by the
//    API server (apiserver_request_total, leases, PUT/POST/PATCH) and by the brokers
//    (runnel_lease_writes_total) when they export it;
//  - time from SIGKILL of a leader to the first acknowledged produce on the new leader, with the
//    fastest safe test timings and with the broker's default timings.
// Options: --seconds N (per throughput/latency phase, default 8), --rate N (latency records/s,
// default 500), --skip-default-timing, --json.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FAST_REPLICATION_TIMING } from '@runnel/broker';
import { applyCrds, openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';
import { ensureKubeBinaries, startControlPlane } from '@runnel/test-kube';
import { KubeConfig } from '@kubernetes/client-node';
import { ChaosCluster, createTopic } from '../chaos/chaos-cluster.ts';
import { apiServerLeaseWrites, brokerLeaseWrites, brokerWritesBetween, endToEndLatency, failoverTime, produceThroughput } from './replication/measure.ts';

/** The fastest safe timings: the broker's own test timings (DESIGN.md §6 Timing: RD > RP + request timeout, LD > RD). */
const FAST_TIMING: Record<string, number> = { ...FAST_REPLICATION_TIMING };

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rate: { type: 'string', default: '500' },
    'skip-default-timing': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});
const seconds = Number(flags.seconds);
const rate = Number(flags.rate);
const hex = (): string => randomBytes(4).toString('hex');
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const rows: Array<[string, string]> = [];
const row = (name: string, value: string): void => {
  rows.push([name, value]);
  say(`  ${name}: ${value}`);
};

const binaries = await ensureKubeBinaries({ log: say });
const controlPlane = await startControlPlane({ binaries });
const dir = await mkdtemp(join(tmpdir(), 'runnel-bench-repl-'));
const stores: KubernetesMetadataStore[] = [];
const clusters: ChaosCluster[] = [];
try {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  await applyCrds(kubeConfig);
  const namespace = 'default';
  const open = async (clusterId: string): Promise<KubernetesMetadataStore> => {
    const store = await openKubernetesMetadataStore({ cluster: clusterId, namespace, kubeconfigPath: controlPlane.kubeconfigPath, requestTimeoutMs: 5_000 });
    stores.push(store);
    return store;
  };
  const topic = async (store: KubernetesMetadataStore, name: string, partitions: number, rf: number): Promise<string> => {
    await createTopic(store, name, { partitions, replicationFactor: rf, brokers: 3, ...(rf > 1 ? { minInsyncReplicas: 2 } : {}) });
    return name;
  };
  const startCluster = async (store: KubernetesMetadataStore, clusterId: string, timing: typeof FAST_TIMING | undefined): Promise<ChaosCluster> => {
    const c = await ChaosCluster.start({ brokers: 3, dir: join(dir, clusterId), clusterId, namespace, kubeconfigPath: controlPlane.kubeconfigPath, store, ...(timing ? { timing } : {}) });
    clusters.push(c);
    return c;
  };
  const leaseWrites = async (c: ChaosCluster): Promise<{ api: number; broker: Map<number, number> }> => ({ api: await apiServerLeaseWrites(controlPlane.kubeconfigPath, controlPlane.caFile), broker: await brokerLeaseWrites(c.brokers) });
  const perSec = (writes: number | undefined, ms: number): string => (writes === undefined ? 'n/a (not exported)' : (writes / (ms / 1000)).toFixed(1));
  const rates = (a: { api: number; broker: Map<number, number> }, b: { api: number; broker: Map<number, number> }, ms: number): string => `${perSec(b.api - a.api, ms)} / ${perSec(brokerWritesBetween(a.broker, b.broker), ms)}`;

  // Fast timings: throughput, latency, Lease writes, failover.
  const fastId = `bench-${hex()}`;
  const fastStore = await open(fastId);
  const rf3 = await topic(fastStore, `rf3-${hex()}`, 6, 3);
  const rf1 = await topic(fastStore, `rf1-${hex()}`, 6, 1);
  const fast = await startCluster(fastStore, fastId, FAST_TIMING);
  await fast.settled(rf3, 6, 3, AbortSignal.timeout(60_000));
  await fast.settled(rf1, 6, 1, AbortSignal.timeout(60_000));
  say(`3 brokers up (fast timings ${JSON.stringify(FAST_TIMING)}); measuring ${seconds} s per phase`);
  const t1 = await produceThroughput(fast.bootstrap, rf1, seconds);
  const t3 = await produceThroughput(fast.bootstrap, rf3, seconds);
  row('produce RF=1 acks=all 1 KiB (MB/s)', t1.mbPerSec.toFixed(1));
  row('produce RF=3 minISR=2 acks=all 1 KiB (MB/s)', t3.mbPerSec.toFixed(1));
  row('ratio RF=3 / RF=1', (t3.mbPerSec / t1.mbPerSec).toFixed(2));
  const lat = await endToEndLatency(fast.bootstrap, rf3, 6, rate, seconds);
  row(`e2e latency RF=3 at ${rate} rec/s: p50 / p99 / max (ms)`, `${lat.p50.toFixed(1)} / ${lat.p99.toFixed(1)} / ${lat.max.toFixed(1)} (${lat.count} records)`);

  const many = await topic(fastStore, `p100-${hex()}`, 100, 3);
  await fast.settled(many, 100, 3, AbortSignal.timeout(120_000));
  const w0 = await leaseWrites(fast);
  const s0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const w1 = await leaseWrites(fast);
  const steadyMs = performance.now() - s0;
  row('Lease writes/s steady, 100 partitions RF=3 (API server / surviving brokers)', rates(w0, w1, steadyMs));

  const leaders = await fast.leadership(many, 100);
  const victim = leaders[0]!.leader!;
  // Partitions that can fail over: led by the victim with another member in the ISR (no unclean election).
  const movable = leaders.filter((l) => l.leader === victim && l.isr.some((id) => id !== victim)).map((l) => l.partition);
  const f0 = await leaseWrites(fast);
  const fs0 = performance.now();
  await fast.broker(victim).kill();
  // The failover window: until every movable partition has another leader (bounded).
  const moved = await waitForLeaders(fast, many, movable, victim, 60_000);
  const failoverMs = performance.now() - fs0;
  const f1 = await leaseWrites(fast);
  row(
    `Lease writes/s during failover of broker ${victim} (${moved}/${movable.length} of its ${leaders.filter((l) => l.leader === victim).length} partitions moved in ${(failoverMs / 1000).toFixed(1)} s)`,
    rates(f0, f1, failoverMs),
  );
  await fast.broker(victim).start();
  await fast.settled(rf3, 6, 3, AbortSignal.timeout(180_000));
  const p0 = (await fast.leadership(rf3, 6))[0]!;
  const fastFailover = await failoverTime(fast.bootstrap, rf3, 0, fast.broker(p0.leader!), 60_000);
  row(`SIGKILL leader -> first acked produce, fast timings LD ${FAST_TIMING.leaseDurationMs} ms (ms)`, fastFailover.toFixed(0));
  await fast.close();

  if (!flags['skip-default-timing']) {
    const defId = `bench-${hex()}`;
    const defStore = await open(defId);
    const t = await topic(defStore, `def-${hex()}`, 3, 3);
    const def = await startCluster(defStore, defId, undefined);
    await def.settled(t, 3, 3, AbortSignal.timeout(120_000));
    const lead = (await def.leadership(t, 3))[0]!;
    const ms = await failoverTime(def.bootstrap, t, 0, def.broker(lead.leader!), 120_000);
    row('SIGKILL leader -> first acked produce, default timings (ms)', ms.toFixed(0));
    await def.close();
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(Object.fromEntries(rows))}\n`);
  else {
    const width = Math.max(...rows.map(([n]) => n.length));
    process.stdout.write(`\nRunnel replication benchmark (3 broker processes, kubernetes store, ${new Date().toISOString()})\n`);
    for (const [n, v] of rows) process.stdout.write(`${n.padEnd(width)}  ${v}\n`);
  }
} finally {
  for (const c of clusters) await c.destroy();
  for (const s of stores) await s.close().catch(() => undefined);
  await controlPlane.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Waits until each of `partitions` has a leader other than `dead` or `timeoutMs` passes; returns how many did (store polled every 100 ms). */
async function waitForLeaders(c: ChaosCluster, topic: string, partitions: readonly number[], dead: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const view = await c.leadership(topic, 100).catch(() => []);
    const moved = partitions.filter((p) => {
      const leader = view[p]?.leader;
      return leader !== undefined && leader !== dead;
    }).length;
    if (moved === partitions.length || performance.now() > deadline) return moved;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
