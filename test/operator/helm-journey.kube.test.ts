// The new user's journey of the README ("On Kubernetes"), step by step with the real helm (v4) and
// kubectl against the test control plane, whose process kubelet runs ghcr.io/runnel/runnel as this
// checkout: install the chart, create the small example Cluster, a Topic, produce and consume
// 10,000 records from pods, upgrade the release (a broker setting rolls the brokers while an
// acks=all idempotent producer keeps sending, and a CRD changes), and uninstall (the operator goes,
// CRDs, Cluster, Topics and volumes stay).
//
// Where the test differs from the README, and why:
// - The namespace has a random name (one control plane serves the whole kube tier).
// - Steps 1 and 2 install a copy of the chart whose Topic CRD has an older field description (as
//   the previous chart release would), so that step 5 can show `helm upgrade` changing a CRD.
// - When an earlier test file already created the Runnel CRDs, `helm install` takes them over with
//   `--take-ownership --force-conflicts`, as the README says to when the CRDs came from deploy/crds.
// - The producer pod's script names `node /app/...` as the image has it; the test translates those
//   paths with the process kubelet's own image map (test/kube/images.json), and reads pod logs
//   from the kubelet's files, since the process kubelet serves no `kubectl logs`.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtTestTool, eventually, kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runHelm } from '../../helm/src/helm-command.ts';
import { CHART_DIR, REPO_ROOT } from '../../helm/src/render-chart-files.ts';
import { checkHistory, formatCheckResult, parseHistoryJsonl } from '../support/history/index.ts';

const kube = kubeTest();
const RELEASE = 'runnel';
/** The older description the previous chart's Topic CRD carries (step 5 must replace it). */
const OLD_DESCRIPTION = 'Number of partitions (chart 0.0.9).';
const PARTITIONS_DESCRIPTION_PATH = '{.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.partitions.description}';
let helm: string;
let namespace: string;
let previousChart: string;
let scratch: string;
const figures: Record<string, number> = {};
const started = performance.now();

const helmIn = (args: readonly string[]) => runHelm(helm, args, { KUBECONFIG: kube.context.kubeconfigPath });
const ok = async (what: string, result: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> => {
  const r = await result;
  expect(r.code, `${what}: ${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
};
const kubectl = (...args: string[]) => ok(`kubectl ${args.join(' ')}`, kube.kubectl(args));
const jsonOf = async <T>(...args: string[]): Promise<T> => JSON.parse(await kubectl(...args, '-o', 'json')) as T;

/** The process kubelet's translation of the image's paths to this checkout (test/kube/images.json). */
async function onHost(script: string): Promise<string> {
  const map = JSON.parse(await readFile(`${REPO_ROOT}test/kube/images.json`, 'utf8')) as { images: Record<string, { hostEquivalents: Record<string, string> }> };
  const equivalents = Object.entries(map.images['ghcr.io/runnel/runnel']!.hostEquivalents).map(([k, v]) => [k, v.replace('{repo}', REPO_ROOT.replace(/\/$/, ''))] as const);
  return script.replace(/(^|[\s|;(])(node|\/app)(?=[\s/])/g, (_, before: string, word: string) => `${before}${equivalents.find(([k]) => k === word)![1]}`);
}

async function podPhase(name: string, timeoutMs = 240_000): Promise<string> {
  return eventually(
    `pod ${name} to finish`,
    async () => {
      const p = await kube.core.readNamespacedPod({ name, namespace });
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
    },
    { timeoutMs },
  );
}
const podLog = (name: string): Promise<string> => readFile(kube.logPath(namespace, name, name), 'utf8').catch(() => '');
const brokerPods = async (): Promise<Map<string, string>> => {
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/instance=small,app.kubernetes.io/component=broker' });
  return new Map(pods.items.map((p) => [p.metadata!.name!, p.metadata!.uid!]));
};
const step = (name: string, since: number): void => {
  figures[name] = Math.round(performance.now() - since);
};

beforeAll(async () => {
  helm = await builtTestTool('helm');
  namespace = await kube.createNamespace('runnel');
  scratch = await mkdtemp(join(tmpdir(), 'runnel-journey-'));
  // The previous release of the chart: the same chart, version 0.0.9, whose Topic CRD describes
  // spec.partitions differently.
  previousChart = join(scratch, 'runnel');
  await cp(CHART_DIR, previousChart, { recursive: true });
  const crdFile = join(previousChart, 'files', 'crds', 'topics.runnel.dev.yaml');
  const crd = await readFile(crdFile, 'utf8');
  expect(crd).toContain('description: Number of partitions. Can grow, never shrink.');
  await writeFile(crdFile, crd.replace('description: Number of partitions. Can grow, never shrink.', `description: ${OLD_DESCRIPTION}`));
  const chartFile = join(previousChart, 'Chart.yaml');
  await writeFile(chartFile, (await readFile(chartFile, 'utf8')).replace(/^version: .*$/m, 'version: 0.0.9'));
});

afterAll(async () => {
  if (namespace) {
    // Without an operator nothing removes the Topics' finalizers, which would hold the namespace.
    const topics = await kube.kubectl(['get', 'topics.runnel.dev', '-n', namespace, '-o', 'name']);
    for (const topic of topics.stdout.split('\n').filter(Boolean)) await kube.kubectl(['patch', topic, '-n', namespace, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await kube.kubectl(['delete', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${RELEASE}`, '--ignore-not-found']);
    await kube.deleteNamespace(namespace);
  }
  if (scratch) await rm(scratch, { recursive: true, force: true });
  figures['totalMs'] = Math.round(performance.now() - started);
  process.stdout.write(`helm journey figures (shared 2-core machine): ${JSON.stringify(figures)}\n`);
});

it('install, a Cluster, a Topic, 10,000 records through pods, a rolling upgrade with a CRD change, and uninstall', async () => {
  // 1. helm install: the operator becomes Ready (2 replicas, one leading).
  let since = performance.now();
  const crdsExist = (await kube.kubectl(['get', 'crd', 'topics.runnel.dev'])).code === 0;
  const install = await ok('helm install', helmIn(['install', RELEASE, previousChart, '-n', namespace, '--wait', '--timeout', '5m', ...(crdsExist ? ['--take-ownership', '--force-conflicts'] : [])]));
  expect(install).toMatch(/STATUS: deployed/);
  // NOTES.txt names the next commands, the ones this journey runs.
  expect(install).toContain(`kubectl rollout status deployment/runnel-operator -n ${namespace}`);
  expect(install).toContain(`helm upgrade runnel helm/runnel -n ${namespace} --reuse-values -f deploy/examples/helm-values/small-cluster.yaml --wait --timeout 5m`);
  await kubectl('rollout', 'status', 'deployment/runnel-operator', '-n', namespace, '--timeout=5m');
  const deployment = await jsonOf<{ status: { readyReplicas?: number } }>('get', 'deployment', 'runnel-operator', '-n', namespace);
  expect(deployment.status.readyReplicas).toBe(2);
  const lease = await eventually('the operator leader Lease', async () => {
    const l = await kube.kubectl(['get', 'lease', 'runnel-operator', '-n', namespace, '-o', 'jsonpath={.spec.holderIdentity}']);
    return l.code === 0 && l.stdout !== '' ? l.stdout : undefined;
  });
  expect(lease).toMatch(/^runnel-operator-/);
  expect(await kubectl('get', 'crd', 'topics.runnel.dev', '-o', `jsonpath=${PARTITIONS_DESCRIPTION_PATH}`)).toBe(OLD_DESCRIPTION);
  step('installToOperatorReadyMs', since);

  // 2. The small example Cluster, created by the release: three brokers become Ready.
  since = performance.now();
  await ok('helm upgrade (Cluster)', helmIn(['upgrade', RELEASE, previousChart, '-n', namespace, '--reuse-values', '-f', `${REPO_ROOT}deploy/examples/helm-values/small-cluster.yaml`, '--set', 'cluster.spec.consumerOffsets.partitions=3', '--wait', '--timeout', '5m']));
  await kubectl('wait', '--for=condition=Ready', 'cluster.runnel.dev/small', '-n', namespace, '--timeout=5m');
  expect(await kubectl('get', 'cluster.runnel.dev', 'small', '-n', namespace, '-o', 'jsonpath={.status.readyBrokers}')).toBe('3/3');
  step('clusterReadyMs', since);

  // 3. The example Topics; `kubectl wait` for orders.
  since = performance.now();
  await kubectl('apply', '-n', namespace, '-f', `${REPO_ROOT}deploy/examples/topics.yaml`);
  await kubectl('wait', '--for=condition=Ready', 'topic/orders', '-n', namespace, '--timeout=3m');
  step('topicReadyMs', since);

  // 4. A pod produces 10,000 records, another consumes them back.
  since = performance.now();
  const produceScript = 'seq 1 10000 | node /app/packages/cli/src/main.ts produce orders -b small:9092';
  await kubectl('run', 'producer', '-n', namespace, '--image=ghcr.io/runnel/runnel:0.1.0', '--restart=Never', '--command', '--', 'sh', '-c', await onHost(produceScript));
  expect(await podPhase('producer'), await podLog('producer')).toBe('Succeeded');
  await kubectl('run', 'consumer', '-n', namespace, '--image=ghcr.io/runnel/runnel:0.1.0', '--restart=Never', '--', 'consume', 'orders', '-b', 'small:9092', '--from', 'earliest', '--max-messages', '10000', '--timeout-ms', '60000');
  const waited = await kube.kubectl(['wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/consumer', '-n', namespace, '--timeout=5m']);
  expect(waited.code, `${waited.stderr}\n${await podLog('consumer')}`).toBe(0);
  const values = (await podLog('consumer')).split('\n').filter((l) => /^\d+$/.test(l)).map(Number);
  expect(values.length).toBe(10_000);
  expect(new Set(values).size).toBe(10_000);
  expect(Math.min(...values)).toBe(1);
  expect(Math.max(...values)).toBe(10_000);
  step('produceConsume10kMs', since);

  // 5. helm upgrade to this chart with a changed broker setting: the brokers roll one at a time
  // while an acks=all idempotent producer sends (to the other example topic, so that its history
  // holds every record it reads back), none of its sends fails, and the CRD changes.
  since = performance.now();
  const before = await brokerPods();
  expect(before.size).toBe(3);
  const stopFile = join(scratch, 'stop-workload');
  await kube.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'workload', namespace },
      spec: { restartPolicy: 'Never', containers: [{ name: 'workload', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', await onHost(`node /app/test/operator/roll-workload.ts small:9092 Audit_Log 1 ${stopFile}`)] }] },
    },
  });
  await eventually('acknowledged sends before the upgrade', async () => (((await podLog('workload')).match(/"type":"ok"/g)?.length ?? 0) > 50 ? true : undefined), { timeoutMs: 120_000 });
  const upgrade = await ok('helm upgrade', helmIn(['upgrade', RELEASE, CHART_DIR, '-n', namespace, '--reuse-values', '--set-string', 'cluster.spec.config.log\\.segment\\.bytes=1048576', '--wait', '--timeout', '10m']));
  expect(upgrade).toMatch(/STATUS: deployed/);
  expect(await kubectl('get', 'crd', 'topics.runnel.dev', '-o', `jsonpath=${PARTITIONS_DESCRIPTION_PATH}`)).toBe('Number of partitions. Can grow, never shrink.');
  expect(await kubectl('get', 'cluster.runnel.dev', 'small', '-n', namespace, '-o', 'jsonpath={.spec.config}')).toBe('{"log.segment.bytes":"1048576"}');
  let progressing = '';
  await eventually(
    'every broker restarted and the Cluster Ready',
    async () => {
      const now = await brokerPods();
      const cluster = await jsonOf<{ status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } }>('get', 'cluster.runnel.dev', 'small', '-n', namespace);
      progressing = JSON.stringify(cluster.status?.conditions?.find((c) => c.type === 'Progressing'));
      const restarted = [...before].every(([name, uid]) => now.has(name) && now.get(name) !== uid);
      return restarted && cluster.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? true : undefined;
    },
    { timeoutMs: 600_000 },
  ).catch((err: unknown) => {
    throw new Error(`${String(err)}; last Progressing condition: ${progressing}`);
  });
  const restarts = await kube.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=small,reason=RestartingBroker' });
  expect(restarts.items.length).toBe(3);
  step('upgradeRollMs', since);
  await writeFile(stopFile, '');
  expect(await podPhase('workload', 300_000)).toBe('Succeeded');
  const text = await podLog('workload');
  expect(text).toMatch(/^DONE /m);
  const history = parseHistoryJsonl(text.split('\n').filter((l) => l.startsWith('{')).join('\n'));
  const sends = history.filter((e) => e.f === 'send');
  expect(sends.filter((e) => e.type === 'ok').length).toBeGreaterThan(100);
  expect(sends.filter((e) => e.type === 'fail' || e.type === 'info'), 'no acks=all send failed').toEqual([]);
  const checked = checkHistory(history);
  expect(checked.anomalies, formatCheckResult(checked)).toEqual([]);
  figures['rollAcknowledgedSends'] = sends.filter((e) => e.type === 'ok').length;

  // 6. helm uninstall: no operator object is left; CRDs, the Cluster, Topics and volumes are.
  since = performance.now();
  const uninstall = await ok('helm uninstall', helmIn(['uninstall', RELEASE, '-n', namespace, '--wait', '--timeout', '5m']));
  expect(uninstall).toMatch(/These resources were kept due to the resource policy/);
  const left = await kubectl('get', 'deployment,replicaset,serviceaccount,service,role,rolebinding', '-n', namespace, '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name');
  expect(left).toBe('');
  expect(await kubectl('get', 'clusterrole,clusterrolebinding', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name')).toBe('');
  await eventually('operator pods gone', async () => ((await kube.core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/component=operator' })).items.length === 0 ? true : undefined), { timeoutMs: 120_000 });
  // The leader Lease is state the operator wrote, not part of the release: it stays (the README
  // says so, and how to delete it). Its holder may still be named: helm deletes the operator's RBAC
  // while the pods stop, so a release on shutdown can be refused; the next install takes it over.
  expect(await kubectl('get', 'lease', '-n', namespace, '-l', '!runnel.dev/lease', '-o', 'name')).toBe('lease.coordination.k8s.io/runnel-operator\n');
  expect((await kubectl('get', 'crd', 'clusters.runnel.dev', 'topics.runnel.dev', '-o', 'name')).trim().split('\n')).toEqual([
    'customresourcedefinition.apiextensions.k8s.io/clusters.runnel.dev',
    'customresourcedefinition.apiextensions.k8s.io/topics.runnel.dev',
  ]);
  expect(await kubectl('get', 'cluster.runnel.dev', '-n', namespace, '-o', 'name')).toBe('cluster.runnel.dev/small\n');
  // The example Topics, and the consumer offsets Topic the operator declared for the Cluster.
  expect((await kubectl('get', 'topics.runnel.dev', '-n', namespace, '-o', 'name')).trim().split('\n').sort()).toEqual(['topic.runnel.dev/audit-log', 'topic.runnel.dev/orders', 'topic.runnel.dev/small-consumer-offsets']);
  const claims = await jsonOf<{ items: Array<{ status?: { phase?: string } }> }>('get', 'pvc', '-n', namespace);
  expect(claims.items.map((c) => c.status?.phase)).toEqual(['Bound', 'Bound', 'Bound']);
  expect((await brokerPods()).size).toBe(3);
  step('uninstallMs', since);
}, 1_800_000);
