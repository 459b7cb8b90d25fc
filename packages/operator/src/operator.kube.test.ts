// The operator on the real control plane with the process kubelet: a Cluster becomes running
// brokers, Topics become partitions with live status, bad input is refused or reported, deleted
// objects come back, deletion honours deletionPolicy. Clients run in pods, as users' clients do.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoordinationV1Api, type V1StatefulSet } from '@kubernetes/client-node';
import { applyCrds } from '@runnel/metadata';
import { eventually, kubeTest } from '@runnel/test-kube';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperator, type Operator } from './index.ts';
import { checkHistory, formatCheckResult, parseHistoryJsonl } from '../../../test/support/history/index.ts';
import { REPO, RUNNEL, operatorFixtures } from './testing/operator-kube-fixtures.ts';

const kube = kubeTest();
const fx = operatorFixtures(kube);
const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
const leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);
const hex = (): string => randomBytes(3).toString('hex');

let namespace: string;
let operator: Operator;
const CLUSTER = 'main';
const OFFSETS_PARTITIONS = 3;
const figures: Record<string, number> = {};

const cluster = (replicas: number, config?: Record<string, string>) => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name: CLUSTER, namespace },
  // 3 offsets partitions, not Kafka's 50: fewer partition Leases for the shared test control plane.
  spec: { replicas, image: 'ghcr.io/runnel/runnel:dev', storage: { size: '1Gi' }, consumerOffsets: { partitions: OFFSETS_PARTITIONS }, ...(config ? { config } : {}) },
});
const topic = (name: string, spec: Record<string, unknown>, clusterName: string | null = CLUSTER) => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Topic',
  metadata: { name, namespace, ...(clusterName ? { labels: { 'runnel.dev/cluster': clusterName } } : {}) },
  spec,
});
const bootstrap = (): string => `${CLUSTER}.${namespace}.svc.cluster.local:9092`;

beforeAll(async () => {
  await applyCrds(kube.kubeConfig);
  namespace = await kube.createNamespace('operator');
  operator = await startOperator({ kubeConfig: kube.kubeConfig, namespaces: [namespace], leaderElection: false, metricsPort: 0, metricsHost: '127.0.0.1', logger: pino({ level: 'warn' }) });
});

afterAll(async () => {
  await operator?.close();
  if (namespace) await kube.deleteNamespace(namespace);
  if (Object.keys(figures).length > 0) process.stdout.write(`operator figures (shared 2-core machine): ${JSON.stringify(figures)}\n`);
});

// Skipped only under RUNNEL_TEST_KUBECONFIG (an external cluster): the brokers and clients run as pods of the
// process kubelet, which maps the image to this checkout (no published image exists to pull).
describe.skipIf(!kube.context.kubeletDir)('operator', () => {
  it('turns a Cluster of 3 into owned, labelled objects and Ready brokers that serve a producer, a consumer and a consumer group pod (the operator declares __consumer_offsets)', async () => {
    const applied = performance.now();
    expect((await fx.apply(cluster(3))).code).toBe(0);
    const owner = (o: { metadata?: { ownerReferences?: Array<{ kind?: string; name?: string; controller?: boolean }>; labels?: Record<string, string> } }) => {
      expect(o.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Cluster', name: CLUSTER, controller: true })]);
      expect(o.metadata?.labels).toMatchObject({ 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/instance': CLUSTER, 'app.kubernetes.io/managed-by': 'runnel-operator', 'runnel.dev/cluster': CLUSTER });
      expect(o.metadata?.labels?.['app.kubernetes.io/component']).toBeTruthy();
    };
    const sts = await eventually('the broker StatefulSet', () => apps.readNamespacedStatefulSet({ name: CLUSTER, namespace }).catch(() => undefined));
    owner(sts);
    expect(sts.spec).toMatchObject({ replicas: 3, serviceName: `${CLUSTER}-brokers`, updateStrategy: { type: 'OnDelete' } });
    expect(sts.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests).toEqual({ storage: '1Gi' });
    const container = sts.spec?.template.spec?.containers[0];
    expect(container?.readinessProbe?.grpc?.port).toBe(9092);
    expect(container?.livenessProbe?.grpc?.port).toBe(9092);
    expect(container?.env?.find((e) => e.name === 'RUNNEL_BROKER_ID')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']");
    expect(container?.args).toEqual(expect.arrayContaining(['--advertised-host', `$(POD_NAME).${CLUSTER}-brokers.$(POD_NAMESPACE).svc.cluster.local`]));
    for (const [resource, name] of [
      ['service', `${CLUSTER}-brokers`],
      ['service', CLUSTER],
      ['configmap', `${CLUSTER}-config`],
      ['pdb', CLUSTER],
      ['serviceaccount', `${CLUSTER}-broker`],
      ['role', `${CLUSTER}-broker`],
      ['rolebinding', `${CLUSTER}-broker`],
    ] as const) {
      owner(await eventually(`${resource} ${name}`, () => fx.kubectlJson(['get', resource, name, '-n', namespace]).catch(() => undefined)));
    }
    const headless = await fx.kubectlJson<{ spec: { clusterIP: string } }>(['get', 'service', `${CLUSTER}-brokers`, '-n', namespace]);
    expect(headless.spec.clusterIP).toBe('None');
    const pdb = await fx.kubectlJson<{ spec: { maxUnavailable: number } }>(['get', 'pdb', CLUSTER, '-n', namespace]);
    expect(pdb.spec.maxUnavailable).toBe(1);
    const role = await fx.kubectlJson<{ rules: unknown[] }>(['get', 'role', `${CLUSTER}-broker`, '-n', namespace]);
    const { BROKER_RBAC_RULES } = await import('@runnel/metadata');
    expect(role.rules).toEqual(BROKER_RBAC_RULES);

    await eventually('Cluster Ready', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 170_000 });
    figures['clusterApplyToReadyMs'] = Math.round(performance.now() - applied);
    const status = (await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).status!;
    expect(status).toMatchObject({ readyBrokers: '3/3', readyReplicas: 3, observedGeneration: 1 });
    expect((status['brokers'] as unknown[]).length).toBe(3);
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${CLUSTER}` });
    expect(pods.items.map((p) => [p.metadata?.name, p.status?.phase])).toEqual([0, 1, 2].map((i) => [`${CLUSTER}-${i}`, 'Running']));
    // The broker id is the pod ordinal: the broker Leases say so.
    const brokerLeases = await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=broker' });
    expect(brokerLeases.items.map((l) => l.metadata?.name).sort()).toEqual([0, 1, 2].map((i) => `${CLUSTER}-broker-${i}`));
    const printed = await kube.kubectl(['get', 'clusters.runnel.dev', '-n', namespace]);
    expect(printed.stdout.split('\n')[0]).toMatch(/^NAME\s+BROKERS\s+READY\s+UNDER-REPLICATED\s+AGE/);
    expect(printed.stdout.split('\n')[1]).toMatch(new RegExp(`^${CLUSTER}\\s+3/3\\s+True\\s+0\\s+`));

    const t = 'orders';
    expect((await fx.apply(topic(t, { partitions: 2, replicationFactor: 3 }))).code).toBe(0);
    await eventually('topic orders Ready', async () => ((await fx.readyOf(namespace, `topics.runnel.dev/${t}`)).ready === 'True' ? true : undefined), { timeoutMs: 120_000 });
    const produced = await fx.runPod(namespace, 'producer', `seq 1 50 | ${RUNNEL} produce ${t} -b ${bootstrap()} --acks all`);
    expect(produced.phase, produced.log).toBe('Succeeded');
    const consumed = await fx.runPod(namespace, 'consumer', `${RUNNEL} consume ${t} -b ${bootstrap()} --from earliest --max-messages 50 --timeout-ms 60000`);
    expect(consumed.phase, consumed.log).toBe('Succeeded');
    const values = consumed.log.split('\n').filter((l) => /^\d+$/.test(l));
    expect(values.map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    // Consumer groups work with no Topic of the user's: the operator declared __consumer_offsets
    // (brokers may only read Topics), owned by the Cluster, as Kafka's brokers would create it.
    const offsets = await eventually('the consumer offsets Topic Ready', async () => {
      const state = await fx.readyOf(namespace, `topics.runnel.dev/${CLUSTER}-consumer-offsets`).catch(() => undefined);
      return state?.ready === 'True' ? state : undefined;
    }, { timeoutMs: 180_000 });
    expect(offsets.status).toMatchObject({ partitions: OFFSETS_PARTITIONS, replicationFactor: 3, offlinePartitions: 0 });
    const offsetsTopic = JSON.parse((await kube.kubectl(['get', 'topics.runnel.dev', `${CLUSTER}-consumer-offsets`, '-n', namespace, '-o', 'json'])).stdout) as {
      metadata: { labels: Record<string, string>; ownerReferences: unknown[] };
      spec: Record<string, unknown>;
    };
    // spec.consumerOffsets.partitions decides the count; the brokers map groups onto what the Topic has.
    expect(offsetsTopic.spec).toEqual({ topicName: '__consumer_offsets', partitions: OFFSETS_PARTITIONS, replicationFactor: 3, minInsyncReplicas: 2, configs: { 'cleanup.policy': 'compact' } });
    expect(offsetsTopic.metadata.labels['runnel.dev/cluster']).toBe(CLUSTER);
    expect(offsetsTopic.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Cluster', name: CLUSTER, controller: true })]);
    const grouped = await fx.runPod(
      namespace,
      'group-consumer',
      `${RUNNEL} consume ${t} -b ${bootstrap()} --group g1 --from earliest --max-messages 50 --timeout-ms 120000 && ${RUNNEL} groups describe g1 -b ${bootstrap()}`,
      240_000,
    );
    expect(grouped.phase, grouped.log).toBe('Succeeded');
    const lines = grouped.log.split('\n');
    expect(lines.filter((l) => /^\d+$/.test(l)).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    // The group committed what it printed: LAG 0 on every partition of orders it committed, and the
    // committed offsets add up to the 50 records (describe lists partitions with a committed offset).
    const rows = lines.filter((l) => l.startsWith(`${t} `)).map((l) => l.split(/ +/));
    expect(rows.length, grouped.log).toBeGreaterThan(0);
    expect(rows.every((r) => r[4] === '0' && r[2] === r[3]), grouped.log).toBe(true);
    expect(rows.reduce((sum, r) => sum + Number(r[2]), 0), grouped.log).toBe(50);
  }, 600_000);

  it('makes three Topics Ready with live status, and the brokers enforce minInsyncReplicas', async () => {
    const applied = performance.now();
    const r = await fx.apply(
      topic('payments', { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 }),
      topic('single', { partitions: 1, replicationFactor: 1 }),
      topic('mixed-case', { topicName: 'Audit_Log_EU', partitions: 2, replicationFactor: 2 }),
    );
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['payments', 'single', 'mixed-case']) {
      await eventually(`topic ${name} Ready`, async () => ((await fx.readyOf(namespace, `topics.runnel.dev/${name}`)).ready === 'True' ? true : undefined), { timeoutMs: 120_000 });
    }
    figures['threeTopicsApplyToReadyMs'] = Math.round(performance.now() - applied);
    const payments = (await fx.readyOf(namespace, 'topics.runnel.dev/payments')).status!;
    expect(payments).toMatchObject({ partitions: 3, replicationFactor: 3, offlinePartitions: 0 });
    expect((payments['leaders'] as number[]).every((id) => id >= 0 && id < 3)).toBe(true);
    expect(typeof payments['topicId']).toBe('string');
    // Every broker holds each partition in its ISR soon after creation: 0 under-replicated.
    const table = await eventually(
      'kubectl get topics with 0 under-replicated',
      async () => {
        const out = (await kube.kubectl(['get', 'topics', '-n', namespace])).stdout;
        const rows = out.trim().split('\n').slice(1).map((l) => l.split(/\s+/));
        return rows.length >= 4 && rows.every((row) => row[3] === '0' && row[4] === '0' && row[5] === 'True') ? out : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(table.split('\n')[0]).toMatch(/^NAME\s+PARTITIONS\s+RF\s+UNDER-REPLICATED\s+OFFLINE\s+READY\s+AGE/);
    expect(table).toMatch(/\nmixed-case\s+2\s+2\s+0\s+0\s+True/);
    // The Kafka name with uppercase and `_` works end to end.
    const sent = await fx.runPod(namespace, 'produce-mixed', `echo hello | ${RUNNEL} produce Audit_Log_EU -b ${bootstrap()}`);
    expect(sent.phase, sent.log).toBe('Succeeded');

    // minInsyncReplicas: 2 reaches the brokers: with two of three brokers stopped, acks=all fails.
    const pids = [await fx.pidOf(namespace, `${CLUSTER}-1`), await fx.pidOf(namespace, `${CLUSTER}-2`)];
    for (const pid of pids) process.kill(-pid, 'SIGSTOP');
    try {
      // Once broker 0 leads payments-0 and the stopped brokers have left its ISR, acks=all is refused.
      await eventually(
        'payments-0 led by broker 0 with an ISR of 1',
        async () => {
          const lease = await leases.readNamespacedLease({ name: `${CLUSTER}-payments-0`, namespace });
          const isr = (JSON.parse(lease.metadata?.annotations?.['runnel.dev/partition'] ?? '{}') as { isr?: unknown[] }).isr ?? [];
          return lease.spec?.holderIdentity?.startsWith('0/') && isr.length === 1 ? true : undefined;
        },
        { timeoutMs: 120_000 },
      );
      const refused = await fx.runPod(namespace, 'produce-min-isr', `echo x | ${RUNNEL} produce payments -b ${CLUSTER}-0.${CLUSTER}-brokers.${namespace}.svc.cluster.local:9092 --partition 0 --acks all`, 170_000);
      expect(refused.phase).toBe('Failed');
      expect(refused.log).toMatch(/NOT_ENOUGH_REPLICAS/);
    } finally {
      for (const pid of pids) process.kill(-pid, 'SIGCONT');
    }
    await eventually('Cluster Ready again', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 120_000 });
  }, 400_000);

  it('refuses invalid Topics at admission and reports RF above the brokers as a condition', async () => {
    const refused = async (spec: Record<string, unknown>): Promise<string> => {
      const r = await fx.apply(topic(`bad-${hex()}`, spec));
      expect(r.code).not.toBe(0);
      return r.stderr;
    };
    expect(await refused({ partitions: 0, replicationFactor: 1 })).toMatch(/spec.partitions/);
    expect(await refused({ partitions: 1, replicationFactor: 1, topicName: 'no spaces allowed' })).toMatch(/spec.topicName/);
    expect(await refused({ partitions: 1, replicationFactor: 2, minInsyncReplicas: 3 })).toMatch(/spec.minInsyncReplicas must not exceed spec.replicationFactor/);
    expect(await refused({ partitions: 1, replicationFactor: 2, minInsyncReplicas: 2, configs: { 'min.insync.replicas': '1' } })).toMatch(/not both/);
    expect(await refused({ partitions: 1, replicationFactor: 1, deletionPolicy: 'Sometimes' })).toMatch(/deletionPolicy/);
    expect((await fx.apply(topic('shrinks', { partitions: 3, replicationFactor: 1 }))).code).toBe(0);
    expect((await fx.apply(topic('shrinks', { partitions: 2, replicationFactor: 1 }))).stderr).toMatch(/spec.partitions cannot decrease/);

    expect((await fx.apply(topic('too-wide', { partitions: 1, replicationFactor: 5 }))).code).toBe(0);
    const condition = await eventually('RF condition', async () => (await fx.readyOf(namespace, 'topics.runnel.dev/too-wide')).conditions.find((c) => c['reason'] === 'ReplicationFactorTooHigh' && c['type'] === 'Ready'));
    expect(condition).toMatchObject({ status: 'False', observedGeneration: 1 });
    expect(condition['message']).toMatch(/replicationFactor 5 needs at least 5 brokers; Cluster main has 3/);
    // Not a crash loop: the operator keeps reconciling others, and made no partition for it.
    expect((await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=partition' })).items.filter((l) => l.metadata?.name?.startsWith(`${CLUSTER}-too-wide-`))).toEqual([]);
    expect((await fx.apply(topic('orphan', { partitions: 1, replicationFactor: 1 }, 'no-such-cluster'))).code).toBe(0);
    const orphan = await eventually('ClusterNotFound', async () => (await fx.readyOf(namespace, 'topics.runnel.dev/orphan')).conditions.find((c) => c['reason'] === 'ClusterNotFound'));
    expect(orphan['message']).toMatch(/No Cluster no-such-cluster in namespace/);
  });

  it('brings back a deleted StatefulSet and Service', async () => {
    const before = await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace });
    await apps.deleteNamespacedStatefulSet({ name: CLUSTER, namespace, propagationPolicy: 'Orphan' });
    await kube.core.deleteNamespacedService({ name: CLUSTER, namespace });
    const after = await eventually('StatefulSet re-created', async () => {
      const s: V1StatefulSet | undefined = await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace }).catch(() => undefined);
      return s !== undefined && s.metadata?.uid !== before.metadata?.uid ? s : undefined;
    });
    expect(after.spec?.replicas).toBe(3);
    await eventually('client Service re-created', () => kube.core.readNamespacedService({ name: CLUSTER, namespace }).catch(() => undefined));
    await eventually('Cluster Ready', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).ready === 'True' ? true : undefined), { timeoutMs: 120_000 });
  });

  it('writes nothing to the API server while nothing changes', async () => {
    const writes = async (): Promise<number> => {
      const text = await (await fetch(`http://${operator.metricsAddress}/metrics`)).text();
      return [...text.matchAll(/^runnel_operator_api_writes_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    // Let the brokers' ISR changes settle, then count writes over a quiet window.
    await eventually('no under-replicated partition', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).status?.['underReplicatedPartitions'] === 0 ? true : undefined), { timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 3_000));
    const first = await writes();
    const windowMs = 15_000;
    await new Promise((r) => setTimeout(r, windowMs));
    const second = await writes();
    figures['steadyStateWritesPerSecond'] = (second - first) / (windowMs / 1000);
    expect(second - first).toBe(0);
    const text = await (await fetch(`http://${operator.metricsAddress}/metrics`)).text();
    expect(text).toMatch(/runnel_operator_reconcile_total\{controller="cluster",result="success"\} [1-9]/);
    expect(text).toMatch(/runnel_operator_brokers_ready\{cluster_namespace="[^"]+",cluster="main"\} 3/);
    expect(text).toMatch(/runnel_operator_topics\{condition="Ready"\} [1-9]/);
    expect(text).toMatch(/runnel_operator_last_reconcile_success_timestamp_seconds\{controller="topic"\}/);
    figures['operatorRssMiB'] = Math.round(process.memoryUsage().rss / 2 ** 20);
  });

  it('deletes a Topic with deletionPolicy Delete with its Leases, and keeps them with Retain', async () => {
    expect((await fx.apply(topic('gone', { partitions: 2, replicationFactor: 2 }), topic('kept', { partitions: 2, replicationFactor: 2, deletionPolicy: 'Retain' }))).code).toBe(0);
    for (const name of ['gone', 'kept']) await eventually(`${name} Ready`, async () => ((await fx.readyOf(namespace, `topics.runnel.dev/${name}`)).ready === 'True' ? true : undefined), { timeoutMs: 90_000 });
    const partitionLeases = async (t: string): Promise<string[]> =>
      (await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=partition' })).items.map((l) => l.metadata?.name ?? '').filter((n) => n.startsWith(`${CLUSTER}-${t}-`));
    expect(await partitionLeases('gone')).toHaveLength(2);
    const topicFinalizers = await fx.kubectlJson<{ metadata: { finalizers?: string[] } }>(['get', 'topic', 'gone', '-n', namespace]);
    expect(topicFinalizers.metadata.finalizers).toContain('runnel.dev/topic-partitions');
    expect((await kube.kubectl(['delete', 'topic', 'gone', 'kept', '-n', namespace, '--wait=true', '--timeout=60s'])).code).toBe(0);
    expect(await partitionLeases('gone')).toEqual([]);
    expect(await partitionLeases('kept')).toHaveLength(2);
    const events = await kube.core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=gone' });
    expect(events.items.map((e) => e.reason)).toContain('DeletingPartitions');
  });

  it('rolls the brokers one at a time on a config change, gated on ISR health, while an idempotent acks=all producer keeps writing', async () => {
    const podUids = async (): Promise<Map<string, string>> =>
      new Map((await kube.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${CLUSTER}` })).items.map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? '']));
    const before = await podUids();
    expect((await fx.apply(cluster(3, { 'log.segment.bytes': '1048576' }))).code).toBe(0);
    // Topics with one replica would go offline during a restart: the roll waits and says which.
    const waiting = await eventually('the roll waiting on RF 1 topics', async () =>
      (await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).conditions.find((c) => c['type'] === 'Progressing' && c['reason'] === 'RestartWouldBreakMinIsr'),
    );
    expect(waiting['message']).toMatch(/single-0 \(ISR 1 → 0/);
    expect(await podUids()).toEqual(before);

    const dir = await mkdtemp(join(tmpdir(), 'runnel-roll-'));
    const stopFile = join(dir, 'stop');
    try {
      await kube.core.createNamespacedPod({
        namespace,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'roll-workload', namespace },
          spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', `${REPO}node_modules/.bin/node ${REPO}test/operator/roll-workload.ts ${bootstrap()} payments 3 ${stopFile}`] }] },
        },
      });
      const log = (): Promise<string> => readFile(kube.logPath(namespace, 'roll-workload', 'client'), 'utf8').catch(() => '');
      await eventually('acknowledged sends before the roll', async () => ((await log()).match(/"type":"ok"/g)?.length ?? 0) > 50 ? true : undefined, { timeoutMs: 90_000 });
      let lastRollState = '';
      const rollStart = performance.now();
      const rollStartWall = Date.now();
      expect((await kube.kubectl(['delete', 'topic', 'single', 'shrinks', '-n', namespace, '--wait=true', '--timeout=60s'])).code).toBe(0);
      await eventually(
        'every broker restarted and the Cluster Ready',
        async () => {
          const now = await podUids();
          const restarted = [...before].every(([name, uid]) => now.has(name) && now.get(name) !== uid);
          const state = await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`);
          lastRollState = JSON.stringify(state.conditions.find((c) => c['type'] === 'Progressing'));
          return restarted && state.ready === 'True' ? true : undefined;
        },
        { timeoutMs: 400_000 },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; last Progressing condition: ${lastRollState}`);
      });
      figures['rollOf3BrokersMs'] = Math.round(performance.now() - rollStart);
      const rollEndWall = Date.now();
      const restarts = await kube.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${CLUSTER},reason=RestartingBroker` });
      expect(restarts.items.length).toBe(3);
      await new Promise((r) => setTimeout(r, 2_000));
      await writeFile(stopFile, '');
      const phase = await eventually('workload done', async () => {
        const p = await kube.core.readNamespacedPod({ name: 'roll-workload', namespace });
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
      }, { timeoutMs: 200_000 });
      const text = await log();
      const terminated = (await kube.core.readNamespacedPod({ name: 'roll-workload', namespace })).status?.containerStatuses?.[0]?.state?.terminated;
      expect(text, `workload ${phase} (${JSON.stringify(terminated)}; roll ${rollStartWall}..${rollEndWall}); its other lines: ${text.split('\n').filter((l) => l !== '' && !l.startsWith('{')).join('\n').slice(0, 3000)}`).toMatch(/^DONE /m);
      const history = parseHistoryJsonl(text.split('\n').filter((l) => l.startsWith('{')).join('\n'));
      const sends = history.filter((e) => e.f === 'send');
      const failed = sends.filter((e) => e.type === 'fail' || e.type === 'info');
      expect(failed, 'no send fails after retries').toEqual([]);
      const result = checkHistory(history);
      expect(result.anomalies, formatCheckResult(result)).toEqual([]);
      const invoked = new Map(sends.filter((e) => e.type === 'invoke').map((e) => [e.id, e.time]));
      const latencies = sends.filter((e) => e.type === 'ok' && e.time >= rollStartWall && e.time <= rollEndWall).map((e) => e.time - (invoked.get(e.id) ?? e.time)).sort((a, b) => a - b);
      expect(latencies.length).toBeGreaterThan(0);
      const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      figures['rollAcknowledgedSends'] = latencies.length;
      figures['rollSendLatencyP50Ms'] = pct(0.5);
      figures['rollSendLatencyP99Ms'] = pct(0.99);
      figures['rollSendLatencyMaxMs'] = latencies.at(-1) ?? 0;
    } finally {
      await writeFile(stopFile, '').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
  }, 700_000);
});
