// The chaos harness must be able to fail: with RF=1 there is no other copy, so SIGKILL of a
// partition's only replica, emptying its data directory and restarting it loses acknowledged
// acks=all writes, and the pipeline used by replication-chaos.kube.test.ts (broker processes on
// the kubernetes store, workload, nemesis, drain, S1–S5 checker) must report them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyCrds, openKubernetesMetadataStore, provisionPartitions, type KubernetesMetadataStore } from '@runnel/metadata';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkHistory, HistoryRecorder } from '../support/history/index.ts';
import { ChaosCluster } from './chaos-cluster.ts';
import { runWorkload } from './chaos-workload.ts';
import { drainPartitions } from './drain.ts';

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

it('reports lost acknowledged writes when the only replica of a partition loses its disk (RF=1)', async () => {
  const clusterId = `loss-${hex()}`;
  const topic = `only-copy-${hex()}`;
  store = await openKubernetesMetadataStore({ cluster: clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, requestTimeoutMs: 5_000 });
  await store.topics.create(topic, { name: topic, topicId: '', partitions: PARTITIONS, replicationFactor: 1, configs: {}, assignments: [] });
  await provisionPartitions(store, topic, { brokers: [0, 1, 2] });
  cluster = await ChaosCluster.start({ brokers: 3, dir, clusterId, namespace, kubeconfigPath: kube.context.kubeconfigPath, store });
  const c = cluster;
  try {
    const before = await c.settled(topic, PARTITIONS, 1, AbortSignal.timeout(30_000));
    const victim = before[0]!.leader!;
    const history = new HistoryRecorder();
    const stop = new AbortController();
    const workload = runWorkload({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, retryingProducers: 2, singleShotProducers: 0, concurrency: 2, deliveryTimeoutMs: 5_000, reader: false }, stop.signal);
    // Wait until the victim's partition has acknowledged writes (an event, not a sleep).
    await waitFor(() => history.events.some((e) => e.type === 'ok' && e.f === 'send' && e.partition === `${topic}-0`), AbortSignal.timeout(20_000));
    stop.abort();
    await workload;
    const broker = c.broker(victim);
    await broker.kill();
    await broker.wipe();
    await broker.start();
    await drainPartitions({ bootstrap: c.bootstrap, topic, partitions: PARTITIONS, history, timeoutMs: 10_000 });
    const result = checkHistory(history.events);
    expect(result.valid).toBe(false);
    const lost = result.anomalies.filter((a) => a.kind === 'lost-write');
    expect(lost.length).toBeGreaterThan(0);
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

/** Resolves when `condition` holds, checking on every macrotask turn. */
async function waitFor(condition: () => boolean, signal: AbortSignal): Promise<void> {
  while (!condition()) {
    signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
