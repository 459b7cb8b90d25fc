// The operator's remaining issue-9 behaviours on the real control plane, with two `runnel operator`
// processes (one active through its Lease, one standby), brokers run by the process kubelet and
// clients in pods:
// - Cluster.spec.topicDefaults reach the brokers (a default min.insync.replicas is enforced);
// - Topic config changes apply live, with no broker restart (minInsyncReplicas raised and lowered);
// - partitions grow, and never shrink;
// - the active operator killed in the middle of a roll: the standby finishes it while an
//   idempotent acks=all producer has no failed send;
// - figures for the closing note: apply→Ready, roll duration and send latency, operator RSS idle
//   and with 100 Topics, API writes/s in a steady state with 100 Topics. Printed, never bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { AppsV1Api, CoordinationV1Api } from '@kubernetes/client-node';
import { applyCrds } from '@runnel/metadata';
import { eventually, kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkHistory, formatCheckResult, parseHistoryJsonl } from '../support/history/index.ts';
import { REPO, RUNNEL, operatorFixtures } from '../../packages/operator/src/testing/operator-kube-fixtures.ts';

const MAIN = `${REPO}packages/cli/src/main.ts`;
const kube = kubeTest();
const fx = operatorFixtures(kube);
const apps = kube.kubeConfig.makeApiClient(AppsV1Api);
const leases = kube.kubeConfig.makeApiClient(CoordinationV1Api);
const CLUSTER = 'live';
const figures: Record<string, number> = {};
let namespace: string;

interface OperatorProcess {
  readonly child: ChildProcess;
  readonly metrics: string;
  readonly stderr: () => string;
}
const operators: OperatorProcess[] = [];

/** `runnel operator` as a child process, as it runs in its Deployment; resolves once it serves /metrics. */
async function operatorProcess(): Promise<OperatorProcess> {
  const child = spawn(process.execPath, [MAIN, 'operator', '--namespace', namespace, '--lease-namespace', namespace, '--kubeconfig', kube.context.kubeconfigPath, '--metrics-port', '0', '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUNNEL_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  const metrics = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`runnel operator exited with ${code}:\n${stderr}`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr += `${line}\n`;
      if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
      const m = /^metrics: (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  const op = { child, metrics, stderr: () => stderr };
  operators.push(op);
  return op;
}

const metricsText = async (op: OperatorProcess): Promise<string> => (await fetch(op.metrics)).text();
const isLeader = async (op: OperatorProcess): Promise<boolean> => /^runnel_operator_leader 1/m.test(await metricsText(op).catch(() => ''));
const apiWrites = async (op: OperatorProcess): Promise<number> => [...(await metricsText(op)).matchAll(/^runnel_operator_api_writes_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
const rssMiB = async (pid: number): Promise<number> => Math.round(Number(/^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);

const cluster = (topicDefaults: Record<string, unknown>) => ({
  apiVersion: 'runnel.dev/v1alpha1',
  kind: 'Cluster',
  metadata: { name: CLUSTER, namespace },
  spec: { replicas: 3, image: 'ghcr.io/runnel/runnel:dev', storage: { size: '1Gi' }, topicDefaults, consumerOffsets: { partitions: 3 } },
});
const topic = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'runnel.dev/v1alpha1', kind: 'Topic', metadata: { name, namespace, labels: { 'runnel.dev/cluster': CLUSTER } }, spec });
const bootstrap = (): string => `${CLUSTER}.${namespace}.svc.cluster.local:9092`;
const broker0 = (): string => `${CLUSTER}-0.${CLUSTER}-brokers.${namespace}.svc.cluster.local:9092`;
const ready = async (resource: string, timeoutMs = 120_000): Promise<void> => {
  await eventually(`${resource} Ready`, async () => ((await fx.readyOf(namespace, resource)).ready === 'True' ? true : undefined), { timeoutMs });
};
const podUids = async (): Promise<Map<string, string>> =>
  new Map((await kube.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${CLUSTER}` })).items.map((p) => [p.metadata?.name ?? '', p.metadata?.uid ?? '']));
const partitionLease = async (name: string): Promise<{ holder: string; isr: number }> => {
  const lease = await leases.readNamespacedLease({ name: `${CLUSTER}-${name}`, namespace });
  const isr = (JSON.parse(lease.metadata?.annotations?.['runnel.dev/partition'] ?? '{}') as { isr?: unknown[] }).isr ?? [];
  return { holder: lease.spec?.holderIdentity ?? '', isr: isr.length };
};
let podSeq = 0;
/** One acks=all produce with no retry to partition `partition` of `t` through broker 0, in a pod. */
const produceOnce = (t: string, partition: number): Promise<{ phase: string; log: string }> =>
  fx.runPod(namespace, `produce-${++podSeq}`, `echo v${podSeq} | ${RUNNEL} produce ${t} -b ${broker0()} --partition ${partition} --acks all --retries 0`, 170_000);

const liveOperators = (): OperatorProcess[] => operators.filter((op) => op.child.exitCode === null && op.child.signalCode === null);

/**
 * Rolls the brokers (a new `topicDefaults.retentionMs` changes the pod template) while the
 * idempotent acks=all workload of test/operator/roll-workload.ts writes to a new topic
 * `rolled-<label>` (3 partitions, RF 3, minInsyncReplicas 2). Calls
 * `onFirstRestart` with the number of brokers restarted once the first one was. Checks: every
 * broker ends on the new template, the Cluster is Ready, no send failed after retries and the
 * history has no anomaly. Returns the roll's duration and the send latencies during it.
 */
async function rollUnderLoad(label: string, retentionMs: number, onFirstRestart: ((restarted: number) => Promise<void>) | undefined, logOf: OperatorProcess): Promise<{ durationMs: number; latencies: number[]; percentile: (q: number) => number }> {
  // A topic of its own: the checker must see every value ever sent to what it reads back.
  const rolled = `rolled-${label}`;
  expect((await fx.apply(topic(rolled, { partitions: 3, replicationFactor: 3, minInsyncReplicas: 2 }))).code).toBe(0);
  await ready(`topics.runnel.dev/${rolled}`);
  await eventually('no under-replicated partition', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).status?.['underReplicatedPartitions'] === 0 ? true : undefined), { timeoutMs: 120_000 });
  const before = await podUids();
  const dir = await mkdtemp(join(tmpdir(), 'runnel-roll-'));
  const stopFile = join(dir, 'stop');
  const pod = `roll-workload-${label}`;
  try {
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace },
        spec: { restartPolicy: 'Never', containers: [{ name: 'client', image: 'ghcr.io/runnel/runnel', command: ['sh', '-c', `${REPO}node_modules/.bin/node ${REPO}test/operator/roll-workload.ts ${bootstrap()} ${rolled} 3 ${stopFile}`] }] },
      },
    });
    const log = (): Promise<string> => readFile(kube.logPath(namespace, pod, 'client'), 'utf8').catch(() => '');
    await eventually('acknowledged sends before the roll', async () => (((await log()).match(/"type":"ok"/g)?.length ?? 0) > 50 ? true : undefined), { timeoutMs: 90_000 });

    const rollStart = performance.now();
    const rollStartWall = Date.now();
    expect((await fx.apply(cluster({ minInsyncReplicas: 2, retentionMs }))).code).toBe(0);
    if (onFirstRestart) {
      const restarted = await eventually('the first broker restarted', async () => {
        const now = await podUids();
        const n = [...before].filter(([name, uid]) => now.get(name) !== uid).length;
        return n > 0 ? n : undefined;
      }, { timeoutMs: 300_000 });
      await onFirstRestart(restarted);
    }
    let lastProgress = '';
    await eventually(
      'every broker on the new template and the Cluster Ready',
      async () => {
        const set = await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace });
        const pods = (await kube.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/instance=${CLUSTER}` })).items;
        const state = await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`);
        lastProgress = JSON.stringify(state.conditions.find((c) => c['type'] === 'Progressing'));
        const updated = pods.length === 3 && pods.every((p) => p.metadata?.labels?.['controller-revision-hash'] === set.status?.updateRevision && p.metadata?.deletionTimestamp == null);
        return updated && [...before].every(([name, uid]) => pods.some((p) => p.metadata?.name === name && p.metadata.uid !== uid)) && state.ready === 'True' ? pods : undefined;
      },
      { timeoutMs: 600_000 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last Progressing condition: ${lastProgress}; operator log: ${logOf.stderr().slice(-3000)}`);
    });
    const durationMs = Math.round(performance.now() - rollStart);
    const rollEndWall = Date.now();
    const args = (await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace })).spec?.template.spec?.containers[0]?.args;
    expect(args).toEqual(expect.arrayContaining([`retention.ms=${retentionMs}`]));

    await new Promise((r) => setTimeout(r, 2_000));
    await writeFile(stopFile, '');
    const phase = await eventually('workload done', async () => {
      const p = await kube.core.readNamespacedPod({ name: pod, namespace });
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p.status.phase : undefined;
    }, { timeoutMs: 200_000 });
    const text = await log();
    expect(text, `workload ${phase}; its other lines: ${text.split('\n').filter((l) => l !== '' && !l.startsWith('{')).join('\n').slice(0, 3000)}`).toMatch(/^DONE /m);
    const history = parseHistoryJsonl(text.split('\n').filter((l) => l.startsWith('{')).join('\n'));
    const sends = history.filter((e) => e.f === 'send');
    expect(sends.filter((e) => e.type === 'fail' || e.type === 'info'), 'no send fails after retries').toEqual([]);
    const result = checkHistory(history);
    expect(result.anomalies, formatCheckResult(result)).toEqual([]);
    const invoked = new Map(sends.filter((e) => e.type === 'invoke').map((e) => [e.id, e.time]));
    const latencies = sends.filter((e) => e.type === 'ok' && e.time >= rollStartWall && e.time <= rollEndWall).map((e) => e.time - (invoked.get(e.id) ?? e.time)).sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThan(0);
    return { durationMs, latencies, percentile: (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0 };
  } finally {
    await writeFile(stopFile, '').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  await applyCrds(kube.kubeConfig);
  namespace = await kube.createNamespace('operator-live');
  const a = await operatorProcess();
  await eventually('operator A leads', async () => ((await isLeader(a)) ? true : undefined)).catch((err: unknown) => {
    throw new Error(`${String(err)}; its log: ${a.stderr().slice(-2000)}`);
  });
  await operatorProcess();
});

afterAll(async () => {
  for (const op of operators) op.child.kill('SIGKILL');
  if (namespace) await kube.deleteNamespace(namespace);
  if (Object.keys(figures).length > 0) process.stdout.write(`operator live figures (shared 2-core machine, ms / MiB / writes per s): ${JSON.stringify(figures)}\n`);
});

describe('operator (two replicas)', () => {
  it('passes Cluster.spec.topicDefaults to the brokers, which enforce a default min.insync.replicas; Topic config changes apply live with no restart', async () => {
    const applied = performance.now();
    expect((await fx.apply(cluster({ minInsyncReplicas: 2, retentionMs: 604_800_000 }))).code).toBe(0);
    await ready(`clusters.runnel.dev/${CLUSTER}`, 240_000);
    figures['clusterOf3ApplyToReadyMs'] = Math.round(performance.now() - applied);
    const sts = await apps.readNamespacedStatefulSet({ name: CLUSTER, namespace });
    expect(sts.spec?.template.spec?.containers[0]?.args).toEqual(expect.arrayContaining(['--topic-default', 'retention.ms=604800000', '--topic-default', 'min.insync.replicas=2']));

    const topicApplied = performance.now();
    expect((await fx.apply(topic('settable', { partitions: 1, replicationFactor: 3, minInsyncReplicas: 1 }))).code).toBe(0);
    await ready('topics.runnel.dev/settable');
    figures['topicApplyToReadyMs'] = Math.round(performance.now() - topicApplied);
    expect((await fx.apply(topic('defaulted', { partitions: 1, replicationFactor: 3 }))).code).toBe(0);
    await ready('topics.runnel.dev/defaulted');
    for (const t of ['settable-0', 'defaulted-0']) await eventually(`${t} with a full ISR`, async () => ((await partitionLease(t)).isr === 3 ? true : undefined), { timeoutMs: 90_000 });

    // Broker 0 serves every produce below: the same process (no restart) must apply the changes.
    const broker0Pid = await fx.pidOf(namespace, `${CLUSTER}-0`);
    const restarts = async (): Promise<number> => (await kube.core.readNamespacedPod({ name: `${CLUSTER}-0`, namespace })).status?.containerStatuses?.[0]?.restartCount ?? -1;
    const broker0Restarts = await restarts();
    const pids = [await fx.pidOf(namespace, `${CLUSTER}-1`), await fx.pidOf(namespace, `${CLUSTER}-2`)];
    for (const pid of pids) process.kill(-pid, 'SIGSTOP');
    try {
      for (const t of ['settable-0', 'defaulted-0']) {
        await eventually(`${t} led by broker 0 with an ISR of 1`, async () => {
          const l = await partitionLease(t);
          return l.holder.startsWith('0/') && l.isr === 1 ? true : undefined;
        }, { timeoutMs: 120_000 });
      }
      // The topic's own minInsyncReplicas 1 wins over the cluster default.
      const own = await produceOnce('settable', 0);
      expect(own.phase, own.log).toBe('Succeeded');
      // No minInsyncReplicas of its own: the cluster default 2 applies, and one in-sync replica is too few.
      const defaulted = await produceOnce('defaulted', 0);
      expect(defaulted.phase, defaulted.log).toBe('Failed');
      expect(defaulted.log).toMatch(/NOT_ENOUGH_REPLICAS/);

      // Raised live: the very next acks=all produce is refused.
      expect((await kube.kubectl(['patch', 'topic', 'settable', '-n', namespace, '--type', 'merge', '-p', '{"spec":{"minInsyncReplicas":2}}'])).code).toBe(0);
      const raised = await eventually('the raised minInsyncReplicas enforced', async () => {
        const r = await produceOnce('settable', 0);
        return r.phase === 'Failed' ? r : undefined;
      }, { timeoutMs: 120_000 });
      expect(raised.log).toMatch(/NOT_ENOUGH_REPLICAS/);
      // Lowered live (through spec.configs this time): accepted again.
      expect((await kube.kubectl(['patch', 'topic', 'settable', '-n', namespace, '--type', 'json', '-p', '[{"op":"remove","path":"/spec/minInsyncReplicas"},{"op":"add","path":"/spec/configs","value":{"min.insync.replicas":"1"}}]'])).code).toBe(0);
      const lowered = await eventually('the lowered min.insync.replicas enforced', async () => {
        const r = await produceOnce('settable', 0);
        return r.phase === 'Succeeded' ? r : undefined;
      }, { timeoutMs: 120_000 });
      expect(lowered.phase).toBe('Succeeded');
      // Broker 0 served all of it in one process: no restart.
      expect(await fx.pidOf(namespace, `${CLUSTER}-0`)).toBe(broker0Pid);
      expect(await restarts()).toBe(broker0Restarts);
    } finally {
      // (Stopped this long, brokers 1 and 2 may be restarted by their liveness probe: not under test.)
      for (const pid of pids) process.kill(-pid, 'SIGCONT');
    }
    await ready(`clusters.runnel.dev/${CLUSTER}`);
  }, 900_000);

  it('grows a Topic: more partitions are provisioned and serve; fewer are refused at admission', async () => {
    expect((await kube.kubectl(['patch', 'topic', 'settable', '-n', namespace, '--type', 'merge', '-p', '{"spec":{"partitions":3}}'])).code).toBe(0);
    const status = await eventually('3 partitions in the status', async () => {
      const s = await fx.readyOf(namespace, 'topics.runnel.dev/settable');
      return s.ready === 'True' && s.status?.['partitions'] === 3 ? s.status : undefined;
    }, { timeoutMs: 120_000 });
    expect((status['leaders'] as number[]).length).toBe(3);
    const names = (await leases.listNamespacedLease({ namespace, labelSelector: 'runnel.dev/lease=partition' })).items.map((l) => l.metadata?.name).filter((n) => n?.startsWith(`${CLUSTER}-settable-`));
    expect(names.sort()).toEqual([0, 1, 2].map((p) => `${CLUSTER}-settable-${p}`));
    const sent = await fx.runPod(namespace, 'produce-grown', `echo grown | ${RUNNEL} produce settable -b ${bootstrap()} --partition 2 --acks all`);
    expect(sent.phase, sent.log).toBe('Succeeded');
    const shrink = await kube.kubectl(['patch', 'topic', 'settable', '-n', namespace, '--type', 'merge', '-p', '{"spec":{"partitions":2}}']);
    expect(shrink.code).not.toBe(0);
    expect(shrink.stderr).toMatch(/spec.partitions cannot decrease: partitions can only be added/);
  }, 400_000);

  it('finishes a roll on the standby when the active operator is killed in the middle of it, with no failed send', async () => {
    const active = liveOperators()[0]!;
    expect(await isLeader(active)).toBe(true);
    const standby = operators.find((op) => op !== active)!;
    expect(await isLeader(standby)).toBe(false);
    figures['operatorRssIdleMiB'] = await rssMiB(active.child.pid!);

    const roll = await rollUnderLoad('with-kill', 86_400_000, async (restarted) => {
      expect(restarted).toBeLessThan(3);
      active.child.kill('SIGKILL');
      const killed = performance.now();
      await eventually('the standby leads', async () => ((await isLeader(standby)) ? true : undefined), { timeoutMs: 90_000 });
      figures['standbyTakeoverAfterKillMs'] = Math.round(performance.now() - killed);
    }, standby);
    figures['rollOf3BrokersWithOperatorKilledMs'] = roll.durationMs;
  }, 1_200_000);

  it('figures: a roll of 3 brokers and the send latency during it', async () => {
    const roll = await rollUnderLoad('plain', 43_200_000, undefined, liveOperators()[0]!);
    figures['rollOf3BrokersMs'] = roll.durationMs;
    figures['rollAcknowledgedSends'] = roll.latencies.length;
    figures['rollSendLatencyP50Ms'] = roll.percentile(0.5);
    figures['rollSendLatencyP99Ms'] = roll.percentile(0.99);
    figures['rollSendLatencyMaxMs'] = roll.latencies.at(-1) ?? 0;
  }, 1_200_000);

  it('figures: 100 Topics made Ready, operator RSS and API writes per second in a steady state', async () => {
    const op = liveOperators()[0]!;
    expect(await isLeader(op)).toBe(true);
    const started = performance.now();
    const topics = Array.from({ length: 100 }, (_, i) => topic(`bulk-${String(i).padStart(3, '0')}`, { partitions: 1, replicationFactor: 1 }));
    const applied = await fx.apply(...topics);
    expect(applied.code, applied.stderr).toBe(0);
    await eventually('100 Topics Ready', async () => {
      const list = await fx.kubectlJson<{ items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string }> } }> }>(['get', 'topics', '-n', namespace]);
      const readyBulk = list.items.filter((t) => t.metadata.name.startsWith('bulk-') && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return readyBulk.length === 100 ? true : undefined;
    }, { timeoutMs: 600_000 });
    figures['hundredTopicsApplyToReadyMs'] = Math.round(performance.now() - started);
    await eventually('no under-replicated partition', async () => ((await fx.readyOf(namespace, `clusters.runnel.dev/${CLUSTER}`)).status?.['underReplicatedPartitions'] === 0 ? true : undefined), { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 5_000));
    figures['operatorRssWith100TopicsMiB'] = await rssMiB(op.child.pid!);
    const windowMs = 30_000;
    const first = await apiWrites(op);
    await new Promise((r) => setTimeout(r, windowMs));
    const second = await apiWrites(op);
    // Reported, not bounded: the aim is close to 0 when nothing changes.
    figures['steadyStateApiWritesPerSecondWith100Topics'] = (second - first) / (windowMs / 1000);
  }, 900_000);
});
