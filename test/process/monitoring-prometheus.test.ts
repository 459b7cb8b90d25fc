/**
 * The shipped rules and dashboard against a real Prometheus (built from its pinned Go module by
 * test/kube) scraping a running 3-broker replicated cluster with traffic.
 *
 * What "returns data" means here:
 * - A dashboard query must return at least one sample: every panel shows something on a healthy,
 *   busy cluster.
 * - An alert's expression is a condition that is empty on a healthy cluster by design (nothing is
 *   under-replicated, no disk is full). So the full expression must parse and evaluate, and each of
 *   its *signals* (the sub-expressions it compares, listed with the rule and checked by a unit test
 *   to appear verbatim in it) must return at least one sample. An alert built on a misspelt metric
 *   or a label the brokers do not export fails there.
 * - Prometheus itself loads the checked-in rule file (it refuses one that does not parse) and
 *   evaluates every rule; each must report health "ok".
 *
 * Finally one broker is stopped, and the broker-down and under-replicated alerts must go pending
 * (their `for` durations are minutes, so they do not fire within the test).
 *
 * The operator's rules and panels are only checked to parse here: no operator runs in this test.
 * packages/monitoring/src/observability.kube.test.ts (kube tier) runs `runnel operator` with a
 * Cluster on the test control plane and checks that they, and the broker ones, return data there.
 *
 * It also checks the broker's one metrics naming scheme on what Prometheus scraped: one family
 * each for leaders, offline and under-replicated partitions, and the offline gauge's help text.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalCluster, type LocalCluster } from '@runnel/broker';
import { Consumer, Producer } from '@runnel/client';
import { BROKER_JOB, RULES_FILE, alertRules, dashboardVariables, DEFAULT_SELECTORS, renderDashboard } from '@runnel/monitoring';
import { PrometheusQueryError, startPrometheus, type PrometheusServer, type QueryResult } from '@runnel/monitoring/testing';
import { builtTestTool } from '@runnel/test-kube';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, connect, removeDir, tempDir } from './broker/test-cluster.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url));
const NAMESPACE = 'runnel-test';
const CLUSTER = 'local';
const GROUP = 'obs-group';

/** Grafana's variables, as a user who picks "All" gets them. */
function withGrafanaVariables(expr: string): string {
  return expr.replaceAll('$namespace', '.*').replaceAll('$cluster', '.*').replaceAll('$__rate_interval', '30s');
}

const isOperatorQuery = (expr: string): boolean => expr.includes('runnel_operator_') || expr.includes(DEFAULT_SELECTORS.operator);

function samples(result: QueryResult): number {
  return result.resultType === 'vector' || result.resultType === 'matrix' ? result.result.length : 1;
}

let dir: string;
let cluster: LocalCluster | undefined;
let prometheus: PrometheusServer | undefined;
const stopTraffic = new AbortController();
let traffic: Promise<void> | undefined;

/** Produces and consumes continuously until stopped, so every rate has data. */
async function runTraffic(bootstrap: string, topic: string, signal: AbortSignal): Promise<void> {
  const producer = new Producer({ bootstrap, lingerMs: 5 });
  const consumer = new Consumer({ bootstrap, maxWaitMs: 200 });
  consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
  for (const partition of [0, 1, 2]) consumer.seek({ topic, partition }, 'earliest');
  const consuming = (async () => {
    for await (const _ of consumer.records({ signal })) {
      // Reading is the point: bytes_out, records_out, Fetch latency.
    }
  })();
  // A group member too, committing each second: the consumer group lag series and panels.
  const member = new Consumer({ bootstrap, maxWaitMs: 200, autoOffsetReset: 'earliest' });
  member.subscribe({ groupId: GROUP, topics: [topic], autoCommitIntervalMs: 1000, signal });
  const grouped = (async () => {
    for await (const _ of member.records({ signal })) {
      // Committed by the interval.
    }
  })();
  try {
    let i = 0;
    while (!signal.aborted) {
      await producer.send({ topic, key: `k${i % 13}`, value: `v${i}` });
      i++;
      await sleep(20);
    }
  } finally {
    await producer.close();
    await consuming.catch(() => undefined);
    await consumer.close();
    await grouped.catch(() => undefined);
    await member.close();
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  dir = await tempDir('runnel-prometheus-');
  const topic = `obs-${crypto.randomUUID().slice(0, 8)}`;
  cluster = await startLocalCluster({
    brokers: 3, port: 0, dataDir: join(dir, 'cluster'), metricsPort: 0, defaultMetrics: true, replicationFactor: 3,
    demoTopic: { name: topic, partitions: 3 }, logger: pino({ level: process.env['RUNNEL_LOG_LEVEL'] ?? 'silent' }),
  });
  await mkdir(join(dir, 'prometheus'));
  prometheus = await startPrometheus({
    binary: await builtTestTool('prometheus'),
    dir: join(dir, 'prometheus'),
    ruleFiles: [join(DEPLOY, RULES_FILE)],
    jobs: [{
      jobName: BROKER_JOB,
      // The labels the shipped PodMonitor's relabelling gives a broker pod.
      targets: cluster.brokers.map((b) => ({ address: b.metricsAddress!, labels: { namespace: NAMESPACE, runnel_cluster: CLUSTER, pod: `${CLUSTER}-${b.id}` } })),
    }],
  });
  traffic = runTraffic(cluster.bootstrap, topic, stopTraffic.signal);
  // One request error, so the error counters have a series (a healthy cluster answers some errors too).
  const clients = connect(cluster.brokers[0]!.address);
  await call(clients.log, clients.log.Produce, { acks: 'ACKS_ALL', partitions: [{ topic, partition: 99, records: Buffer.alloc(0) }] }).catch(() => undefined);
  clients.close();
  const prom = prometheus;
  const value = async (expr: string): Promise<number> => {
    const r = await prom.query(expr);
    return r.resultType === 'vector' && r.result[0] !== undefined ? Number(r.result[0].value[1]) : 0;
  };
  await waitFor('10 scrapes of every broker, with produce and fetch traffic, an error counted and a consumer group committing', async () =>
    (await value(`min(count_over_time(up{job="${BROKER_JOB}"}[5m]))`)) >= 10
    && (await value(`count(up{job="${BROKER_JOB}"} == 1)`)) === 3
    && (await value(`sum(rate(runnel_broker_records_in_total{job="${BROKER_JOB}"}[30s]))`)) > 0
    && (await value(`sum(rate(runnel_broker_records_out_total{job="${BROKER_JOB}"}[30s]))`)) > 0
    && (await value(`sum(runnel_broker_errors_total{job="${BROKER_JOB}"})`)) > 0
    && (await value(`count(runnel_broker_consumer_group_lag_seconds{job="${BROKER_JOB}", group="${GROUP}"})`)) > 0
    && (await value(`count(runnel_broker_consumer_group_members{job="${BROKER_JOB}", group="${GROUP}"})`)) > 0);
  await waitFor('every rule evaluated at least once', async () => (await prom.rules()).every((r) => !r.lastEvaluation.startsWith('0001')));
}, 180_000);

afterAll(async () => {
  stopTraffic.abort();
  await traffic?.catch(() => undefined);
  await prometheus?.close();
  await cluster?.close();
  if (dir !== undefined) await removeDir(dir);
});

describe('a real Prometheus scraping a running cluster', () => {
  it('scrapes every broker', async () => {
    const up = await prometheus!.query(`up{job="${BROKER_JOB}"}`);
    expect(up.resultType).toBe('vector');
    if (up.resultType !== 'vector') return;
    expect(up.result.map((s) => s.metric['pod']).sort()).toEqual(cluster!.brokers.map((b) => `${CLUSTER}-${b.id}`).sort());
    expect(up.result.every((s) => s.value[1] === '1')).toBe(true);
  });

  it('loads the checked-in rule file and evaluates every rule without error', async () => {
    const rules = await prometheus!.rules();
    expect(rules.map((r) => r.name).sort()).toEqual(alertRules().map((r) => r.alert).sort());
    for (const r of rules) expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({ rule: r.name, health: 'ok', error: '' });
  });

  it('parses every alert expression, and every signal of a broker alert returns data', async () => {
    const empty: string[] = [];
    for (const rule of alertRules()) {
      await prometheus!.query(rule.expr); // throws PrometheusQueryError when it does not parse
      if (rule.source === 'operator') continue;
      for (const signal of rule.signals) if (samples(await prometheus!.query(signal)) === 0) empty.push(`${rule.alert}: ${signal}`);
    }
    expect(empty, 'signals without data').toEqual([]);
  });

  it('parses every dashboard query, and every broker panel returns data', async () => {
    const dashboard = renderDashboard() as unknown as { panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
    const empty: string[] = [];
    let checked = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const result = await prometheus!.query(withGrafanaVariables(target.expr));
        if (isOperatorQuery(target.expr)) continue;
        checked++;
        if (samples(result) === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(empty, 'panel queries without data').toEqual([]);
  });

  it('the consumer group panels show the committing group by name, and its lag is small', async () => {
    const dashboard = renderDashboard() as unknown as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
    const groupQueries = dashboard.panels.filter((p) => p.targets?.some((t) => t.expr.includes('runnel_broker_consumer_group_'))).flatMap((p) => p.targets!.map((t) => ({ title: p.title, expr: t.expr })));
    expect(groupQueries.map((q) => q.title)).toEqual(['Consumer lag by group (records)', 'Consumer lag by group (seconds)', 'Group members']);
    for (const q of groupQueries) {
      const result = await prometheus!.query(withGrafanaVariables(q.expr));
      const byGroup = new Map(result.resultType === 'vector' ? result.result.map((s) => [s.metric['group'], Number(s.value[1])]) : []);
      expect(byGroup.has(GROUP), `${q.title}: ${JSON.stringify(result)}`).toBe(true);
    }
    // The member keeps up (commits every second): well under the alert's 5 minutes.
    const seconds = await prometheus!.query(withGrafanaVariables(groupQueries[1]!.expr));
    const lag = seconds.resultType === 'vector' ? Number(seconds.result.find((s) => s.metric['group'] === GROUP)?.value[1]) : NaN;
    expect(lag).toBeLessThan(300);
  });

  it('the dashboard variables list the test cluster', async () => {
    for (const v of dashboardVariables(DEFAULT_SELECTORS)) {
      const result = await prometheus!.query(`count by (${v.label}) (${withGrafanaVariables(v.selector)})`);
      const values = result.resultType === 'vector' ? result.result.map((s) => s.metric[v.label]) : [];
      expect(values, v.name).toEqual([v.label === 'namespace' ? NAMESPACE : CLUSTER]);
    }
  });

  it('the checks can fail: a misspelt metric returns no data, and an expression that does not parse is refused', async () => {
    expect(samples(await prometheus!.query(`sum by (namespace) (runnel_broker_under_replicated_partition{job="${BROKER_JOB}"})`))).toBe(0);
    const refused = await prometheus!.query('sum by (namespace (up)').then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(PrometheusQueryError);
    expect((refused as PrometheusQueryError).errorType).toBe('bad_data');
  });

  it('one metrics naming scheme: leaders, offline and under-replicated partitions are each one family, and the offline help covers leaderless partitions', async () => {
    const families = await prometheus!.query(`count by (__name__) ({__name__=~"runnel_.*(leader|offline|under_?replicated|urp).*", job="${BROKER_JOB}"})`);
    const names = families.resultType === 'vector' ? families.result.map((s) => s.metric['__name__']).sort() : [];
    expect(names).toEqual(['runnel_broker_leader_partitions', 'runnel_broker_offline_partitions', 'runnel_broker_under_replicated_partitions']);
    // Every broker exports each once (one series per broker, no second name for the same quantity).
    for (const name of names) expect(await prometheus!.query(`count(${name}{job="${BROKER_JOB}"})`), name).toMatchObject({ result: [{ value: [expect.any(Number), '3'] }] });
    const offline = await prometheus!.metadata('runnel_broker_offline_partitions');
    expect(offline).toHaveLength(1);
    expect(offline[0]!.type).toBe('gauge');
    expect(offline[0]!.help).toMatch(/could not be opened/);
    expect(offline[0]!.help).toMatch(/with replication, they have no leader/);
  });

  // Last: it stops a broker.
  it('a real fault makes the alerts go pending: a stopped broker is down and its partitions under-replicated', async () => {
    const victim = cluster!.brokers.at(-1)!;
    await cluster!.stopBroker(victim.id);
    const pending = async (alertname: string): Promise<Array<Record<string, string>>> => {
      const r = await prometheus!.query(`ALERTS{alertname="${alertname}"}`);
      return r.resultType === 'vector' ? r.result.map((s) => s.metric as Record<string, string>) : [];
    };
    // Leaders drop the stopped follower from their ISR after replicaLagMaxMs (10 s by default).
    await waitFor('RunnelBrokerDown and RunnelUnderReplicatedPartitions in ALERTS', async () =>
      (await pending('RunnelBrokerDown')).length > 0 && (await pending('RunnelUnderReplicatedPartitions')).length > 0, 120_000);
    expect((await pending('RunnelBrokerDown')).map((m) => ({ pod: m['pod'], state: m['alertstate'], severity: m['severity'] })))
      .toEqual([{ pod: `${CLUSTER}-${victim.id}`, state: 'pending', severity: 'critical' }]);
    expect((await pending('RunnelUnderReplicatedPartitions')).map((m) => ({ namespace: m['namespace'], runnel_cluster: m['runnel_cluster'], state: m['alertstate'] })))
      .toEqual([{ namespace: NAMESPACE, runnel_cluster: CLUSTER, state: 'pending' }]);
  }, 180_000);

});
