// The chaos harness on whatever broker exists, with RF=1: SIGKILL + restart and SIGSTOP + SIGCONT of
// a leader (the nemesis, during the workload) lose nothing acknowledged, since every acks=all write
// was fsynced by the only replica; but emptying the data directory of a partition's only replica
// loses acknowledged writes, and the pipeline used by replication-chaos.kube.test.ts (broker
// processes on the kubernetes store, workload, nemesis, drain, S1–S5 checker) must report exactly
// those — so the harness can fail, and blames the right partitions.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCrds, openKubernetesMetadataStore, type KubernetesMetadataStore } from '@runnel/metadata';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkHistory, HistoryRecorder } from '../support/history/index.ts';
import { ChaosCluster, createTopic } from './chaos-cluster.ts';
import { runWorkload } from './chaos-workload.ts';
import { drainPartitions } from './drain.ts';
import { countFaults, runNemesis } from './nemesis.ts';

const kube = kubeTest();
const hex = (): string => randomBytes(4).toString('hex');
const PARTITIONS = 3;

let dir: string;
let namespace: string;
let store: KubernetesMetadataStore | undefined;
let cluster: ChaosCluster | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'runnel-chaos-loss-'));
  await applyCrds(kube.kubeConfig);
  namespace = await kube.createNamespace('chaos-loss');
});

afterAll(async () => {
  await cluster?.destroy();
  await store?.close();
  await kube.deleteNamespace(namespace);
  await rm(dir, { recursive: true, force: true });
});

it('survives kill and pause of RF=1 leaders, and reports lost writes exactly where the only replica lost its disk', async () => {
  const clusterId = `loss-${hex()}`;
  const topic = `only-copy-${hex()}`;
  store = await openKubernetesMetadataStore({ cluster: clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, requestTimeoutMs: 5_000 });
  await createTopic(store, topic, { partitions: PARTITIONS, replicationFactor: 1, brokers: 3 });
  cluster = await ChaosCluster.start({ brokers: 3, dir, clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, store });
  const c = cluster;
  try {
    await c.settled(topic, PARTITIONS, 1, AbortSignal.timeout(30_000));
    const history = new HistoryRecorder();
    const stop = new AbortController();
    const workload = runWorkload({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, retryingProducers: 2, singleShotProducers: 1, concurrency: 2, deliveryTimeoutMs: 10_000 }, stop.signal);
    let faults;
    try {
      faults = await runNemesis({ cluster: c, topic, partitions: PARTITIONS, isrSize: 1, schedule: ['kill-leader', 'pause-leader'], downMs: 500, pauseMs: 1_500, settleTimeoutMs: 30_000 }, AbortSignal.timeout(60_000));
    } finally {
      stop.abort();
    }
    expect(countFaults(faults)).toMatchObject({ 'kill-leader': 1, 'pause-leader': 1 });
    await workload;
    const before = await c.settled(topic, PARTITIONS, 1, AbortSignal.timeout(30_000));
    const victim = before[0]!.leader!;
    // Partition 0 has acknowledged writes to lose.
    expect(history.events.some((e) => e.type === 'ok' && e.f === 'send' && e.partition === `${topic}-0`)).toBe(true);
    const broker = c.broker(victim);
    await broker.kill();
    await broker.wipe();
    await broker.start();
    await drainPartitions({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, timeoutMs: 10_000 });
    const result = checkHistory(history.events);
    expect(result.valid).toBe(false);
    const lost = result.anomalies.filter((a) => a.kind === 'lost-write');
    expect(lost.length).toBeGreaterThan(0);
    // Nothing but lost writes: the kill and the pause cost nothing, and no offset changed value.
    expect(result.anomalies.filter((a) => a.kind !== 'lost-write')).toEqual([]);
    // Only partitions whose only copy was on the wiped broker lose writes.
    const victimPartitions = new Set(before.filter((l) => l.leader === victim).map((l) => `${topic}-${l.partition}`));
    expect(lost.every((a) => victimPartitions.has(a.partition))).toBe(true);
  } catch (err) {
    console.error(await c.tails(40));
    throw err;
  } finally {
    await c.close();
  }
});
