/**
 * The shipped rules and dashboard on real parts, as deployed: `runnel operator` (the CLI, as a
 * process) runs a 3-broker Cluster on the test control plane's process kubelet, a pod produces and
 * consumes, and a real Prometheus (built from its pinned Go module, as for the process tier)
 * scrapes both:
 * - the broker pods through Kubernetes service discovery with the selection and relabelling of the
 *   shipped PodMonitor (`brokerPodMonitor()`, translated the way prometheus-operator does it);
 * - the operator's /metrics as a static target (it runs as a process here, so there is no Service
 *   for the ServiceMonitor to select; the labels are those the ServiceMonitor would give it).
 *
 * Then every rule expression and every dashboard panel query must parse and return data, the
 * operator's ones included (test/process/monitoring-prometheus.test.ts covers the brokers alone,
 * with a fault). "Returns data" as there: a panel query returns at least one sample; an alert's
 * condition is empty on a healthy cluster by design, so it must parse and each of its signals
 * (checked by a unit test to be part of it) must return a sample.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyCrds } from '@runnel/metadata';
import { eventually, builtTestTool, kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connect } from '../../../test/process/broker/grpc-clients.ts';
import { REPO, operatorFixtures } from '../../operator/src/testing/operator-kube-fixtures.ts';
import { BROKER_JOB, DEFAULT_SELECTORS, OPERATOR_JOB } from './alerts/alert-rule.ts';
import { alertRules } from './alerts/render-rules.ts';
import { dashboardVariables, renderDashboard } from './dashboard/render-dashboard.ts';
import { brokerPodMonitor } from './monitors.ts';
import { RULES_FILE } from './render-monitoring.ts';
import { podMonitorScrapeConfig, startPrometheus, type PrometheusServer, type QueryResult } from './testing/index.ts';

const MAIN = fileURLToPath(new URL('../../cli/src/main.ts', import.meta.url));
const RULES = fileURLToPath(new URL(`../../../deploy/monitoring/${RULES_FILE}`, import.meta.url));
const kube = kubeTest();
const fx = operatorFixtures(kube);
const CLUSTER = 'obs';
const TOPIC = 'traffic';
/** The consumer group of the traffic pod's group member (lag panels and the lag alert's signal). */
const TRAFFIC_GROUP = 'traffic-group';
/** Partitions of the Cluster's __consumer_offsets (spec.consumerOffsets.partitions): few, for the shared test control plane. */
const OFFSETS_PARTITIONS = 3;
const OPERATOR_POD = 'runnel-operator-0';
/**
 * The brokers and the client run as pods of the process kubelet (it maps the image to this
 * checkout, and the test reaches pod IPs on loopback). Under RUNNEL_TEST_KUBECONFIG (an external
 * cluster) there is no process kubelet, so the file is skipped there.
 */
const PROCESS_KUBELET = kube.context.kubeletDir !== null;

let namespace: string | undefined;
let dir: string | undefined;
let operator: ChildProcess | undefined;
let operatorLog = '';
let prometheus: PrometheusServer | undefined;
let brokerPods: Array<{ name: string; ip: string }> = [];

/** Grafana's variables, as a user who picks "All" gets them. */
const withGrafanaVariables = (expr: string): string => expr.replaceAll('$namespace', '.*').replaceAll('$cluster', '.*').replaceAll('$__rate_interval', '30s');
const samples = (r: QueryResult): number => (r.resultType === 'vector' || r.resultType === 'matrix' ? r.result.length : 1);

async function value(expr: string): Promise<number> {
  const r = await prometheus!.query(expr);
  return r.resultType === 'vector' && r.result[0] !== undefined ? Number(r.result[0].value[1]) : Number.NaN;
}

/** `runnel operator` as a child process; resolves with its metrics URL once it serves. */
async function startOperatorProcess(ns: string): Promise<string> {
  const child = spawn(process.execPath, [MAIN, 'operator', '--namespace', ns, '--lease-namespace', ns, '--kubeconfig', kube.context.kubeconfigPath, '--metrics-port', '0', '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' },
  });
  operator = child;
  return new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runnel operator exited with ${code}:\n${operatorLog}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      operatorLog = `${operatorLog}${line}\n`.slice(-20_000);
      const m = /^metrics: (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
}

beforeAll(async () => {
  if (!PROCESS_KUBELET) return;
  await applyCrds(kube.kubeConfig);
  const ns = (namespace = await kube.createNamespace('observability'));
  dir = await mkdtemp(join(tmpdir(), 'runnel-observability-'));
  const metricsUrl = new URL(await startOperatorProcess(ns));

  const applied = await fx.apply(
    { apiVersion: 'runnel.dev/v1alpha1', kind: 'Cluster', metadata: { name: CLUSTER, namespace: ns }, spec: { replicas: 3, image: 'ghcr.io/runnel/runnel:dev', storage: { size: '1Gi' }, consumerOffsets: { partitions: OFFSETS_PARTITIONS } } },
    { apiVersion: 'runnel.dev/v1alpha1', kind: 'Topic', metadata: { name: TOPIC, namespace: ns, labels: { 'runnel.dev/cluster': CLUSTER } }, spec: { partitions: 3, replicationFactor: 3 } },
  );
  expect(applied.code, applied.stderr).toBe(0);
  await eventually('Cluster Ready', async () => ((await fx.readyOf(ns, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 240_000 });
  await eventually('Topic Ready', async () => ((await fx.readyOf(ns, `topics.runnel.dev/${TOPIC}`)).ready === 'True' ? true : undefined), { timeoutMs: 120_000 });
  const pods = await kube.core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/instance=${CLUSTER}` });
  brokerPods = pods.items.map((p) => ({ name: p.metadata!.name!, ip: p.status!.podIP! }));

  // Clients in a pod, as users run them (broker addresses are cluster DNS names).
  await kube.core.createNamespacedPod({
    namespace: ns,
    body: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'traffic', namespace: ns },
      spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', `${REPO}node_modules/.bin/node ${REPO}packages/monitoring/src/testing/traffic-workload.ts ${CLUSTER}.${ns}.svc.cluster.local:9092 ${TOPIC} 3 ${TRAFFIC_GROUP}`] }] },
    },
  });
  const trafficLog = (): Promise<string> => readFile(kube.logPath(ns, 'traffic', 'client'), 'utf8').catch(() => '');
  await eventually('the traffic pod sends and reads', async () => (/^sent \d+$/m.test(await trafficLog()) && /^read \d+$/m.test(await trafficLog()) ? true : undefined), { timeoutMs: 120_000 })
    .catch(async (err: unknown) => { throw new Error(`${String(err)}; its log: ${(await trafficLog()).slice(-2000)}`); });
  // One request error, so the error counters have a series (a healthy cluster answers some errors too).
  const clients = connect(`${brokerPods[0]!.ip}:9092`);
  await call(clients.log, clients.log.Produce, { acks: 'ACKS_ALL', partitions: [{ topic: TOPIC, partition: 99, records: Buffer.alloc(0) }] }).catch(() => undefined);
  clients.close();

  prometheus = await startPrometheus({
    binary: await builtTestTool('prometheus'),
    dir,
    ruleFiles: [RULES],
    jobs: [{ jobName: OPERATOR_JOB, targets: [{ address: metricsUrl.host, labels: { namespace: ns, pod: OPERATOR_POD } }] }],
    scrapeConfigs: [podMonitorScrapeConfig(brokerPodMonitor({ name: 'runnel-brokers', namespace: ns, namespaces: [ns] }), { kubeconfigFile: kube.context.kubeconfigPath })],
  });
  const prom = prometheus;
  await eventually('10 scrapes of 3 brokers and the operator, with produce, fetch, an error counted and a group committing', async () =>
    (await value(`min(count_over_time(up{job=~"${BROKER_JOB}|${OPERATOR_JOB}"}[5m]))`)) >= 10
    && (await value(`count(up{job="${BROKER_JOB}"} == 1)`)) === 3
    && (await value(`count(up{job="${OPERATOR_JOB}"} == 1)`)) === 1
    && (await value(`sum(rate(runnel_broker_records_in_total{job="${BROKER_JOB}"}[30s]))`)) > 0
    && (await value(`sum(rate(runnel_broker_records_out_total{job="${BROKER_JOB}"}[30s]))`)) > 0
    && (await value(`sum(runnel_broker_errors_total{job="${BROKER_JOB}"})`)) > 0
    // The traffic pod's group member commits: lag series from the group's coordinator.
    && (await value(`count(runnel_broker_consumer_group_lag_seconds{job="${BROKER_JOB}", group="${TRAFFIC_GROUP}"})`)) > 0 ? true : undefined, { timeoutMs: 120_000 })
    .catch(async (err: unknown) => { throw new Error(`${String(err)}; targets: ${JSON.stringify(await prom.targets())}`); });
  await eventually('every rule evaluated', async () => ((await prom.rules()).every((r) => !r.lastEvaluation.startsWith('0001')) ? true : undefined), { timeoutMs: 60_000 });
}, 600_000);

afterAll(async () => {
  await prometheus?.close();
  if (operator !== undefined && operator.exitCode === null) {
    const exited = new Promise((resolve) => operator!.once('exit', resolve));
    operator.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000).then(() => operator!.kill('SIGKILL'))]);
  }
  if (namespace !== undefined) await kube.deleteNamespace(namespace);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!PROCESS_KUBELET)('a real Prometheus scraping an operator-run cluster and the operator', () => {
  it('discovers the three broker pods through the shipped PodMonitor\'s selection and relabelling, and scrapes the operator', async () => {
    const targets = await prometheus!.targets();
    const brokers = targets.filter((t) => t.labels['job'] === BROKER_JOB);
    expect(brokers.map((t) => ({ pod: t.labels['pod'], namespace: t.labels['namespace'], runnel_cluster: t.labels['runnel_cluster'], container: t.labels['container'], health: t.health })).sort((a, b) => a.pod!.localeCompare(b.pod!)))
      .toEqual(brokerPods.map((p) => ({ pod: p.name, namespace, runnel_cluster: CLUSTER, container: 'broker', health: 'up' })).sort((a, b) => a.pod.localeCompare(b.pod)));
    // Port `metrics` only: the gRPC port of the same pods is not a target.
    expect(brokers.map((t) => new URL(t.scrapeUrl).port)).toEqual(['9090', '9090', '9090']);
    expect(targets.filter((t) => t.labels['job'] === OPERATOR_JOB).map((t) => t.health)).toEqual(['up']);
  });

  it('the operator\'s gauges agree with the Cluster and Topic it runs', async () => {
    expect(await value(`sum(runnel_operator_brokers_desired{job="${OPERATOR_JOB}", cluster="${CLUSTER}"})`)).toBe(3);
    expect(await value(`sum(runnel_operator_brokers_ready{job="${OPERATOR_JOB}", cluster="${CLUSTER}"})`)).toBe(3);
    // The test's topic and the Cluster's __consumer_offsets, which the operator declared.
    expect(await value(`sum(runnel_operator_topics{job="${OPERATOR_JOB}", condition="Ready"})`)).toBe(2);
    expect(await value(`sum(runnel_operator_reconcile_total{job="${OPERATOR_JOB}", result="success"})`)).toBeGreaterThan(0);
    // Leaders of the topic's 3 partitions and of the offsets topic's, counted once each by their leaders.
    expect(await value(`sum(runnel_broker_leader_partitions{job="${BROKER_JOB}", runnel_cluster="${CLUSTER}"})`)).toBe(3 + OFFSETS_PARTITIONS);
  });

  it('loads the checked-in rule file and evaluates every rule without error', async () => {
    const rules = await prometheus!.rules();
    expect(rules.map((r) => r.name).sort()).toEqual(alertRules().map((r) => r.alert).sort());
    for (const r of rules) expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({ rule: r.name, health: 'ok', error: '' });
  });

  it('parses every alert expression, and every signal of every alert, broker and operator, returns data', async () => {
    const empty: string[] = [];
    let operatorSignals = 0;
    for (const rule of alertRules()) {
      await prometheus!.query(rule.expr); // throws PrometheusQueryError when it does not parse
      for (const signal of rule.signals) {
        if (rule.source === 'operator') operatorSignals++;
        if (samples(await prometheus!.query(signal)) === 0) empty.push(`${rule.alert}: ${signal}`);
      }
    }
    expect(operatorSignals).toBeGreaterThan(3);
    expect(empty, 'signals without data').toEqual([]);
  });

  it('parses every dashboard query, and every panel, broker and operator, returns data', async () => {
    const dashboard = renderDashboard() as unknown as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const empty: string[] = [];
    let checked = 0;
    let operatorQueries = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        checked++;
        if (target.expr.includes('runnel_operator_')) operatorQueries++;
        if (samples(await prometheus!.query(withGrafanaVariables(target.expr))) === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }
    expect(checked).toBe(dashboard.panels.reduce((n, p) => n + (p.targets?.length ?? 0), 0));
    expect(operatorQueries).toBeGreaterThan(5);
    expect(empty, 'panel queries without data').toEqual([]);
  });

  it('the dashboard variables list the namespace and the Cluster', async () => {
    for (const v of dashboardVariables(DEFAULT_SELECTORS)) {
      const result = await prometheus!.query(`count by (${v.label}) (${withGrafanaVariables(v.selector)})`);
      const values = result.resultType === 'vector' ? result.result.map((s) => s.metric[v.label]) : [];
      expect(values, v.name).toEqual([v.label === 'namespace' ? namespace : CLUSTER]);
    }
  });
});
