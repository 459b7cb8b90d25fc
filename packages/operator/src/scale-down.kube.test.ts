// Scale-down on the real control plane with the process kubelet (issue 9 items 5 and 7): the
// operator moves every replica off the brokers that go (the leaders carry out the reassignment),
// shows it in the Cluster status, and only then removes the pods, while an idempotent acks=all
// producer in a pod keeps writing; no acknowledged record is lost (test/support's history checker).
// A scale-down the remaining brokers cannot hold is refused with a condition and an Event.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { AppsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import { applyCrds, decodePartitionLease, type KubeObject, type PartitionState } from '@runnel/metadata';
import { eventually, kubeTest } from '@runnel/test-kube';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperator, type Operator } from './index.ts';
import { checkHistory, formatCheckResult, parseHistoryJsonl } from '../../../test/support/history/index.ts';
import { REPO, operatorFixtures } from './testing/operator-kube-fixtures.ts';

const kube = kubeTest();
const fx = operatorFixtures(kube);
const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
const leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);

let namespace: string;
let operator: Operator;
const CLUSTER = 'shrink';
const TOPIC = 'moving';
const figures: Record<string, number> = {};

const cluster = (replicas: number) => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name: CLUSTER, namespace },
  spec: { replicas, image: 'ghcr.io/runnel/runnel:dev', storage: { size: '1Gi' } },
});
const bootstrap = (): string => `${CLUSTER}.${namespace}.svc.cluster.local:9092`;

/** The partition states of the test topic, read from the API server (not a cache). */
async function partitions(): Promise<PartitionState[]> {
  const list = await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=partition' });
  return list.items.map((l) => decodePartitionLease(l as unknown as KubeObject)).filter((p) => p.topic === TOPIC).sort((a, b) => a.partition - b.partition);
}

beforeAll(async () => {
  await applyCrds(kube.kubeConfig);
  namespace = await kube.createNamespace('scaledown');
  operator = await startOperator({ kubeConfig: kube.kubeConfig, namespaces: [namespace], leaderElection: false, metricsPort: 0, metricsHost: '127.0.0.1', logger: pino({ level: 'warn' }) });
});

afterAll(async () => {
  await operator?.close();
  if (namespace) await kube.deleteNamespace(namespace);
  if (Object.keys(figures).length > 0) process.stdout.write(`scale-down figures (shared 2-core machine): ${JSON.stringify(figures)}\n`);
});

describe('operator scale-down', () => {
  it('scales 3 → 2 while an RF 2 topic has replicas on broker 2: the replicas move first, then the pod goes; no acknowledged record is lost', async () => {
    // The cluster's own __consumer_offsets, declared by the user (the operator then leaves it as it is):
    // the operator's default (RF 3) would rightly refuse the scale-down to 2 this test is about.
    const offsets = {
      apiVersion: 'runnel.dev/v1alpha1',
      kind: 'Topic',
      metadata: { name: `${CLUSTER}-consumer-offsets`, namespace, labels: { 'runnel.dev/cluster': CLUSTER } },
      spec: { topicName: '__consumer_offsets', partitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } },
    };
    expect((await fx.apply(offsets, cluster(3))).code).toBe(0);
    await eventually('Cluster Ready', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 170_000 });
    const topic = { apiVersion: 'runnel.dev/v1alpha1', kind: 'Topic', metadata: { name: TOPIC, namespace, labels: { 'runnel.dev/cluster': CLUSTER } }, spec: { partitions: 3, replicationFactor: 2, minInsyncReplicas: 2 } };
    expect((await fx.apply(topic)).code).toBe(0);
    await eventually('topic Ready with full ISRs', async () => {
      const ready = (await fx.readyOf(namespace, `topics.runnel.dev/${TOPIC}`)).ready === 'True';
      const ps = await partitions();
      return ready && ps.length === 3 && ps.every((p) => p.isr.length === 2) ? true : undefined;
    }, { timeoutMs: 120_000 });
    const before = await partitions();
    const onBroker2 = before.filter((p) => p.replicas.includes(2));
    // RF 2 over 3 brokers, 3 partitions: broker 2 holds replicas (and leads some of them).
    expect(onBroker2.length).toBeGreaterThan(0);
    // Partitions it leads move by a handover to a target (rule 10), the others without one.
    figures['partitionsOnBroker2'] = onBroker2.length;
    figures['partitionsLedByBroker2'] = onBroker2.filter((p) => p.holder?.id === 2).length;

    const dir = await mkdtemp(join(tmpdir(), 'runnel-scaledown-'));
    const stopFile = join(dir, 'stop');
    try {
      await kube.core.createNamespacedPod({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'scale-workload', namespace },
          spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', `${REPO}node_modules/.bin/node ${REPO}test/operator/roll-workload.ts ${bootstrap()} ${TOPIC} 3 ${stopFile}`] }] },
        },
      });
      const log = (): Promise<string> => readFile(kube.logPath(namespace, 'scale-workload', 'client'), 'utf8').catch(() => '');
      await eventually('acknowledged sends before the scale-down', async () => ((await log()).match(/"type":"ok"/g)?.length ?? 0) > 50 ? true : undefined, { timeoutMs: 90_000 });

      const started = performance.now();
      const startedWall = Date.now();
      expect((await kube.kubectl(['patch', 'clusters.runnel.dev', CLUSTER, '-n', namespace, '--type=merge', '-p', '{"spec":{"replicas":2}}'])).code).toBe(0);
      // Watch the order: the StatefulSet is read first, then the Leases; once it says 2 replicas,
      // no Lease read afterwards may name broker 2 (the operator scaled only after they were clean).
      let sawReassigning: Record<string, unknown> | undefined;
      let podAliveWhileReassigning = false;
      const violations: string[] = [];
      await eventually('StatefulSet at 2, pod shrink-2 gone, Cluster Ready', async () => {
        const sts = await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace });
        const ps = await partitions();
        if (sts.spec?.replicas === 2) {
          for (const p of ps) if (p.replicas.includes(2) || (p.targetReplicas ?? []).includes(2)) violations.push(`${TOPIC}-${p.partition} replicas [${p.replicas.join(',')}] after the StatefulSet went to 2`);
        }
        const state = await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`);
        const progressing = state.conditions.find((c) => c['type'] === 'Progressing' && c['status'] === 'True' && c['reason'] === 'ReassigningReplicas');
        if (progressing !== undefined) {
          sawReassigning ??= progressing;
          const pod = await kube.core.readNamespacedPod({ name: `${CLUSTER}-2`, namespace }).catch(() => undefined);
          if (pod !== undefined && pod.metadata?.deletionTimestamp == null) podAliveWhileReassigning = true;
        }
        const pod2 = await kube.core.readNamespacedPod({ name: `${CLUSTER}-2`, namespace }).catch(() => undefined);
        return sts.spec?.replicas === 2 && pod2 === undefined && state.ready === 'True' ? true : undefined;
      }, { timeoutMs: 300_000 });
      figures['scaleDown3to2Ms'] = Math.round(performance.now() - started);
      const endedWall = Date.now();
      expect(violations).toEqual([]);
      // The move was visible while it happened, with counts, and broker 2 was still running then.
      expect(sawReassigning?.['message']).toMatch(/Scaling down from 3 to 2 brokers: moving replicas off brokers 2\.\.2 first; \d+ partition\(s\) still have a replica there/);
      expect(podAliveWhileReassigning).toBe(true);
      const after = await partitions();
      for (const p of after) {
        expect(p.replicas.length, `${TOPIC}-${p.partition}`).toBe(2);
        expect(p.replicas.every((id) => id < 2), `${TOPIC}-${p.partition} replicas [${p.replicas.join(',')}]`).toBe(true);
        expect(p.targetReplicas ?? null).toBeNull();
        expect(p.holder?.id).toBeLessThan(2);
      }
      const events = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${CLUSTER}` });
      const reasons = events.items.map((e) => e.reason);
      expect(reasons).toContain('ReassigningReplicas');
      expect(reasons).toContain('ScalingDown');

      await new Promise((r) => setTimeout(r, 2_000));
      await writeFile(stopFile, '');
      const phase = await eventually('workload done', async () => {
        const p = await kube.core.readNamespacedPod({ name: 'scale-workload', namespace });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
      }, { timeoutMs: 200_000 });
      const text = await log();
      expect(text, `workload ${phase}; its other lines: ${text.split('\n').filter((l) => l !== '' && !l.startsWith('{')).join('\n').slice(0, 3000)}`).toMatch(/^DONE /m);
      const history = parseHistoryJsonl(text.split('\n').filter((l) => l.startsWith('{')).join('\n'));
      const sends = history.filter((e) => e.f === 'send');
      expect(sends.filter((e) => e.type === 'ok').length).toBeGreaterThan(50);
      expect(sends.filter((e) => e.type === 'fail' || e.type === 'info'), 'no send fails after retries').toEqual([]);
      const result = checkHistory(history);
      expect(result.anomalies, formatCheckResult(result)).toEqual([]);
      figures['acknowledgedSends'] = sends.filter((e) => e.type === 'ok').length;
      // The producer kept writing while the replicas moved and the pod went.
      const duringMove = sends.filter((e) => e.type === 'ok' && e.time >= startedWall && e.time <= endedWall).length;
      figures['acknowledgedDuringScaleDown'] = duringMove;
      expect(duringMove).toBeGreaterThan(0);
    } finally {
      await writeFile(stopFile, '').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 800_000);

  it('refuses a scale-down the remaining brokers cannot hold, with a condition and an Event, and keeps the pods', async () => {
    expect((await kube.kubectl(['patch', 'clusters.runnel.dev', CLUSTER, '-n', namespace, '--type=merge', '-p', '{"spec":{"replicas":1}}'])).code).toBe(0);
    const degraded = await eventually('Degraded/ScaleDownRefused', async () =>
      (await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).conditions.find((c) => c['type'] === 'Degraded' && c['status'] === 'True' && c['reason'] === 'ScaleDownRefused'),
    );
    expect(degraded['message']).toMatch(/spec\.replicas is 1 but 3 partition\(s\) need more replicas than 1 brokers can hold \(moving-0 \(RF 2\)/);
    const events = await eventually('a ScaleDownRefused Event', async () => {
      const list = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${CLUSTER},reason=ScaleDownRefused` });
      return list.items.length > 0 ? list.items : undefined;
    });
    expect(events[0]?.type).toBe('Warning');
    // Nothing moved and nobody went: the StatefulSet stays at 2, no target was recorded.
    expect((await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace })).spec?.replicas).toBe(2);
    expect((await partitions()).every((p) => (p.targetReplicas ?? null) === null)).toBe(true);
    expect((await kube.kubectl(['patch', 'clusters.runnel.dev', CLUSTER, '-n', namespace, '--type=merge', '-p', '{"spec":{"replicas":2}}'])).code).toBe(0);
    await eventually('Cluster Ready again', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 60_000 });
  }, 200_000);
});
