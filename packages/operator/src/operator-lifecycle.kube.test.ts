// The operator's lifecycle on the real control plane: two replicas with leader election (the
// standby takes over when the leader dies), and a namespace deleted while the operator is stopped
// goes away once it starts again (the Topic finalizer never hangs it).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AppsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import { applyCrds } from '@runnel/metadata';
import { eventually, kubeTest } from '@runnel/test-kube';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOperator } from './index.ts';
import { operatorFixtures } from './testing/operator-kube-fixtures.ts';

const MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const kube = kubeTest();
const fx = operatorFixtures(kube);
const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
const coordination = kube.kubeConfig.makeApiClient(CoordinationV1Api);
const children: ChildProcess[] = [];
const namespaces: string[] = [];
const figures: Record<string, number> = {};

const clusterObject = (namespace: string, name: string) => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: { replicas: 1, image: 'ghcr.io/runnel/runnel:dev', storage: { size: '1Gi' }, consumerOffsets: { partitions: 1 } },
});

/** `runnel operator` as a child process; resolves with its metrics URL once it serves. */
async function operatorProcess(namespace: string): Promise<{ child: ChildProcess; metrics: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'operator', '--namespace', namespace, '--lease-namespace', namespace, '--kubeconfig', kube.context.kubeconfigPath, '--metrics-port', '0', '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' },
  });
  children.push(child);
  let stderr = '';
  const metrics = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runnel operator exited with ${code}:\n${stderr}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr += `${line}\n`;
      const m = /^metrics: (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  return { child, metrics, stderr: () => stderr };
}

const leaderGauge = async (metricsUrl: string): Promise<number> => Number(/^runnel_operator_leader (\d+)/m.exec(await (await fetch(metricsUrl)).text())?.[1]);

beforeAll(async () => {
  await applyCrds(kube.kubeConfig);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const ns of namespaces) await kube.deleteNamespace(ns);
  if (Object.keys(figures).length > 0) process.stdout.write(`operator lifecycle figures (shared 2-core machine): ${JSON.stringify(figures)}\n`);
});

it('runs two replicas with one active through its Lease; the standby takes over when the leader is killed', async () => {
  const namespace = await kube.createNamespace('operator-ha');
  namespaces.push(namespace);
  const a = await operatorProcess(namespace);
  await eventually('replica A leads', async () => ((await leaderGauge(a.metrics)) === 1 ? true : undefined)).catch((err: unknown) => {
    throw new Error(`${String(err)}; its log: ${a.stderr().slice(-2000)}`);
  });
  const b = await operatorProcess(namespace);
  expect((await fx.apply(clusterObject(namespace, 'first'))).code).toBe(0);
  await eventually('StatefulSet of the first Cluster', () => apps.readNamespacedStatefulSet({ name: 'first', namespace }).catch(() => undefined));
  expect(await leaderGauge(b.metrics)).toBe(0);
  const standbyReady = await fetch(b.metrics.replace('/metrics', '/readyz'));
  expect(standbyReady.status).toBe(200);
  expect(await standbyReady.text()).toMatch(/standby/);
  const holderBefore = (await coordination.readNamespacedLease({ name: 'runnel-operator', namespace })).spec?.holderIdentity;

  const killed = performance.now();
  a.child.kill('SIGKILL');
  await eventually('replica B leads', async () => ((await leaderGauge(b.metrics)) === 1 ? true : undefined), { timeoutMs: 60_000 });
  figures['takeoverAfterKillMs'] = Math.round(performance.now() - killed);
  const lease = await coordination.readNamespacedLease({ name: 'runnel-operator', namespace });
  expect(lease.spec?.holderIdentity).not.toBe(holderBefore);
  expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
  // The new leader carries on from the current state: it serves a Cluster created now.
  expect((await fx.apply(clusterObject(namespace, 'second'))).code).toBe(0);
  await eventually('StatefulSet of the second Cluster', () => apps.readNamespacedStatefulSet({ name: 'second', namespace }).catch(() => undefined));

  // A clean stop releases the Lease at once.
  const exited = new Promise<number | null>((resolve) => b.child.once('exit', resolve));
  b.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect((await coordination.readNamespacedLease({ name: 'runnel-operator', namespace })).spec?.holderIdentity ?? '').toBe('');
});

it('a namespace deleted while the operator is stopped is gone soon after the operator starts', async () => {
  const namespace = await kube.createNamespace('operator-ns');
  namespaces.push(namespace);
  const logger = pino({ level: 'warn' });
  let operator = await startOperator({ kubeConfig: kube.kubeConfig, namespaces: [namespace], leaderElection: false, logger });
  try {
    expect((await fx.apply(clusterObject(namespace, 'doomed'), { apiVersion: 'runnel.dev/v1alpha1', kind: 'Topic', metadata: { name: 'events', namespace, labels: { 'runnel.dev/cluster': 'doomed' } }, spec: { partitions: 2, replicationFactor: 1 } })).code).toBe(0);
    await eventually('partition Leases of the topic', async () => {
      // Only this topic's (the Cluster's __consumer_offsets has Leases too).
      const items = (await coordination.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=partition' })).items.filter((l) => l.metadata?.name?.startsWith('doomed-events-'));
      return items.length === 2 ? items : undefined;
    });
  } finally {
    await operator.close();
  }
  await kube.deleteNamespace(namespace);
  // The Topic's finalizer holds the namespace while no operator runs.
  await new Promise((r) => setTimeout(r, 5_000));
  const stuck = await kube.core.readNamespace({ name: namespace });
  expect(stuck.status?.phase).toBe('Terminating');
  const started = performance.now();
  operator = await startOperator({ kubeConfig: kube.kubeConfig, namespaces: [namespace], leaderElection: false, logger });
  try {
    await eventually('namespace gone', async () => ((await kube.core.readNamespace({ name: namespace }).catch(() => undefined)) === undefined ? true : undefined), { timeoutMs: 150_000 }).catch(async (err: unknown) => {
      const ns = await kube.core.readNamespace({ name: namespace }).catch(() => undefined);
      const topics = await kube.kubectl(['get', 'topics,clusters.runnel.dev,pods,pvc', '-n', namespace, '-o', 'name']);
      throw new Error(`${String(err)}; namespace conditions: ${JSON.stringify(ns?.status?.conditions?.filter((c) => c.status === 'True'))}; left: ${topics.stdout}`);
    });
    figures['namespaceGoneAfterOperatorStartMs'] = Math.round(performance.now() - started);
  } finally {
    await operator.close();
  }
});
