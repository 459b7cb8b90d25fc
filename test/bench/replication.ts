// The replication benchmark (a benchmark, not a test): `npx node test/bench/replication.ts` starts
// the real control plane (test/kube), then three broker processes on this machine on the
// `kubernetes` metadata store (the chaos test's supervisor), and prints one table:
//  - `runnel bench replication` against those brokers: produce on RF=1 and RF=3 (minISR=2,
//    acks=all, 1 KiB records) with their ratio, and end-to-end latency on each at --rate;
//  - Lease writes/s in steady state and during a failover with 100 partitions (RF=3), counted by the
//    API server (apiserver_request_total, leases, PUT/POST/PATCH) and by the brokers
//    (runnel_broker_lease_writes_total) when they export it;
//  - time from SIGKILL of a leader to the first acknowledged produce on the new leader, with the
//    fastest safe test timings and with the broker's default timings.
// A phase that fails (e.g. 100 partitions not settling in time) is a FAILED row with its reason;
// the later phases still run. `runnel bench replication --kubeconfig PATH` runs the first part
// alone on any cluster's store.
// Options: --seconds N (per throughput/latency phase, default 8), --rate N (latency records/s,
// default 5000), --partitions N (of the RF=1 and RF=3 topics, default 6), --skip-default-timing, --json.
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
import { replicationBench } from '../../packages/cli/src/bench/replication-bench.ts';
import { apiServerLeaseWrites, brokerLeaseWrites, brokerWritesBetween, failoverTime } from './replication/measure.ts';

/** The fastest safe timings: the broker's own test timings (DESIGN.md §6 Timing: RD > RP + request timeout, LD > RD). */
const FAST_TIMING: Record<string, number> = { ...FAST_REPLICATION_TIMING };

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    rate: { type: 'string', default: '5000' },
    partitions: { type: 'string', default: '6' },
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
/** Runs one phase; a failure becomes a FAILED row and the benchmark goes on. */
const step = async (name: string, fn: () => Promise<void>): Promise<void> => {
  try {
    await fn();
  } catch (err) {
    row(name, `FAILED: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
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

  // Fast timings: RF=1 / RF=3 throughput and latency, Lease writes, failover.
  const fastId = `bench-${hex()}`;
  const fastStore = await open(fastId);
  const fast = await startCluster(fastStore, fastId, FAST_TIMING);
  say(`3 brokers up (fast timings ${JSON.stringify(FAST_TIMING)}); measuring ${seconds} s per phase`);
  await step('runnel bench replication', async () => {
    const base = { bootstrap: '', topic: '', recordSize: 1024, records: undefined, durationSec: seconds, partitions: Number(flags.partitions), acks: 'all' as const, batchSize: 256 * 1024, lingerMs: 5, compression: 'none' as const, maxInFlight: 16, rate };
    const createIn = (name: string, partitions: number, rf: number): Promise<void> => createTopic(fastStore, name, { partitions, replicationFactor: rf, brokers: 3, ...(rf > 1 ? { minInsyncReplicas: 2 } : {}) });
    const r = await replicationBench(base, { bootstrap: fast.bootstrap.join(','), dataDir: dir, createTopic: createIn }, say);
    for (const x of r.results) row(x.workload, x.latencyMs ? `p50 ${x.latencyMs.p50} ms, p99 ${x.latencyMs.p99} ms, ${x.mbPerSec} MB/s${x.notes ? ` (${x.notes})` : ''}` : `${x.mbPerSec} MB/s${x.notes ? ` (${x.notes})` : ''}`);
    for (const [k, v] of r.summary) row(k, v);
  });

  let many: string | undefined;
  await step('Lease writes/s steady, 100 partitions RF=3', async () => {
    const name = await topic(fastStore, `p100-${hex()}`, 100, 3);
    await fast.settled(name, 100, 3, AbortSignal.timeout(120_000));
    many = name;
    const w0 = await leaseWrites(fast);
    const s0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const w1 = await leaseWrites(fast);
    row('Lease writes/s steady, 100 partitions RF=3 (API server / surviving brokers)', rates(w0, w1, performance.now() - s0));
  });

  await step('Lease writes/s during a failover', async () => {
    if (many === undefined) throw new Error('skipped: the 100-partition topic did not settle');
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
  });

  await step(`SIGKILL leader -> first acked produce, fast timings LD ${FAST_TIMING.leaseDurationMs} ms (ms)`, async () => {
    const rf3 = await topic(fastStore, `rf3-${hex()}`, 6, 3);
    await fast.settled(rf3, 6, 3, AbortSignal.timeout(180_000));
    const p0 = (await fast.leadership(rf3, 6))[0]!;
    const fastFailover = await failoverTime(fast.bootstrap, rf3, 0, fast.broker(p0.leader!), 60_000);
    row(`SIGKILL leader -> first acked produce, fast timings LD ${FAST_TIMING.leaseDurationMs} ms (ms)`, fastFailover.toFixed(0));
  });
  await fast.close();

  if (!flags['skip-default-timing']) {
    await step('SIGKILL leader -> first acked produce, default timings (ms)', async () => {
      const defId = `bench-${hex()}`;
      const defStore = await open(defId);
      const t = await topic(defStore, `def-${hex()}`, 3, 3);
      const def = await startCluster(defStore, defId, undefined);
      await def.settled(t, 3, 3, AbortSignal.timeout(120_000));
      const lead = (await def.leadership(t, 3))[0]!;
      const ms = await failoverTime(def.bootstrap, t, 0, def.broker(lead.leader!), 120_000);
      row('SIGKILL leader -> first acked produce, default timings (ms)', ms.toFixed(0));
      await def.close();
    });
  }
  if (rows.some(([, v]) => v.startsWith('FAILED'))) process.exitCode = 1;
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
