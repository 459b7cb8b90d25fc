/**
 * `runnel bench replication`: the same produce and end-to-end workloads on an RF=1 and an RF=3
 * topic (min.insync.replicas 2, acks=all) of one cluster of broker processes, and the ratio of
 * their throughputs. Either against a running cluster (--bootstrap, at least three brokers) or on
 * three `runnel broker --metadata kubernetes` processes this workload starts on this machine
 * (--kubeconfig, e.g. the test control plane's). Every phase that fails is reported in the table
 * with its reason, and the others still run.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@runnel/client';
import { RunnelError } from '@runnel/protocol';
import { round, type BenchConfig, type BenchResult } from './bench-config.ts';
import { spawnBroker, type BenchBroker } from './broker-process.ts';
import { e2eBench } from './e2e-bench.ts';
import type { KubeStoreOp } from './kube-store-main.ts';
import { produceBench } from './produce-bench.ts';

/** Where the brokers come from. */
export interface ReplicationCluster {
  /** A running cluster's bootstrap (host:port, comma-separated). */
  bootstrap?: string;
  /** Otherwise: start three broker processes on the kubernetes store of this kubeconfig... */
  kubeconfig?: string;
  /** ...in this namespace... */
  namespace?: string;
  /** ...with data under this directory... */
  dataDir: string;
  /** ...and these node flags (e.g. --cpu-prof, from --broker-cpu-prof or --broker-node-args). */
  brokerNodeArgs?: readonly string[];
  /**
   * How to create a topic in the running cluster when its Admin API cannot (on the kubernetes
   * store topics are resources); default: Admin.createTopics.
   */
  createTopic?: (name: string, partitions: number, rf: number) => Promise<void>;
}

/** A failed phase as a table row. */
export function failedRow(workload: string, err: unknown): BenchResult {
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return { workload, records: 0, seconds: 0, recordsPerSec: 0, mbPerSec: 0, notes: `FAILED: ${message}` };
}

/** Runs `fn`, turning any failure into a FAILED row. Never throws. */
export async function guarded(workload: string, fn: () => Promise<BenchResult>): Promise<BenchResult> {
  try {
    return await fn();
  } catch (err) {
    return failedRow(workload, err);
  }
}

/**
 * Three broker processes on a kubernetes store, and how to create topics there. The store is only
 * ever opened in short-lived processes of its own (kube-store-main.ts), never in this one, which
 * measures.
 */
interface StartedCluster {
  brokers: BenchBroker[];
  /** On the kubernetes store topics are resources: created in the store, as the operator does. */
  createTopic: (name: string, partitions: number, rf: number) => Promise<void>;
  close: () => Promise<void>;
}

const KUBE_STORE_MAIN = fileURLToPath(new URL('./kube-store-main.ts', import.meta.url));

/** Runs one {@link KubeStoreOp} in its own process (kube-store-main.ts); rejects with its error. */
function kubeStore(op: KubeStoreOp): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [KUBE_STORE_MAIN, JSON.stringify(op)], { timeout: 120_000 }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let answer: { ok?: boolean; error?: string } = {};
      try {
        answer = JSON.parse(line) as typeof answer;
      } catch {
        // Not one JSON line: the process failed before it could answer (reported below).
      }
      if (answer.ok === true && err === null) resolve();
      else reject(new Error(answer.error ?? `the kubernetes store process failed (${err?.message ?? 'no answer'}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

async function startBrokers(c: ReplicationCluster, log: (line: string) => void): Promise<StartedCluster> {
  const where = { kubeconfig: c.kubeconfig!, ...(c.namespace ? { namespace: c.namespace } : {}) };
  await kubeStore({ op: 'crds', ...where });
  const cluster = `bench-${Math.random().toString(36).slice(2, 8)}`;
  log(`starting 3 broker processes (cluster ${cluster}, kubernetes store)`);
  const brokers: BenchBroker[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(brokers.map((b) => b.stop()));
  };
  try {
    for (let id = 0; id < 3; id++) {
      brokers.push(await spawnBroker(join(c.dataDir, `broker-${id}`), c.brokerNodeArgs ?? [], ['--id', String(id), '--metadata', 'kubernetes', '--cluster', cluster, '--kubeconfig', c.kubeconfig!, ...(c.namespace ? ['--namespace', c.namespace] : [])]));
    }
  } catch (err) {
    await close();
    throw err;
  }
  const createTopic = (name: string, partitions: number, rf: number): Promise<void> => kubeStore({ op: 'topic', ...where, cluster, brokers: [0, 1, 2], name, partitions, rf });
  return { brokers, createTopic, close };
}

/** Creates the topic (through Admin, or `create`) and waits until each partition has a leader and a full ISR. */
async function readyTopic(bootstrap: string, name: string, partitions: number, rf: number, timeoutMs: number, create?: StartedCluster['createTopic']): Promise<void> {
  const admin = new Admin({ bootstrap });
  try {
    if (create !== undefined) await create(name, partitions, rf);
    else {
      await admin.createTopics([{ name, partitions, replicationFactor: rf, configs: rf > 1 ? { 'min.insync.replicas': '2' } : {} }]).catch((err: unknown) => {
        if (!(err instanceof RunnelError && err.code === 'TOPIC_ALREADY_EXISTS')) throw err;
      });
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const topic = (await admin.describeTopics([name]).catch(() => []))[0];
      const ready = topic !== undefined && topic.partitions.length === partitions && topic.partitions.every((p) => p.leaderId >= 0 && p.isr.length === rf);
      if (ready) return;
      if (performance.now() > deadline) throw new RunnelError('REQUEST_TIMED_OUT', `Topic ${name} (RF ${rf}) did not get a leader and a full ISR on every partition within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.close();
  }
}

/** The RF 1 / RF 3 comparison. `base` carries record size, duration, partitions, rate. */
export async function replicationBench(base: BenchConfig, c: ReplicationCluster, log: (line: string) => void): Promise<{ results: BenchResult[]; summary: Array<[string, string]> }> {
  const results: BenchResult[] = [];
  const summary: Array<[string, string]> = [];
  let started: StartedCluster | undefined;
  try {
    let bootstrap = c.bootstrap ?? '';
    if (bootstrap === '') {
      try {
        started = await startBrokers(c, log);
        bootstrap = started.brokers.map((b) => b.bootstrap).join(',');
      } catch (err) {
        results.push(failedRow('start 3 broker processes', err));
        return { results, summary };
      }
    }
    const suffix = Math.random().toString(36).slice(2, 8);
    const cfg = (rf: number): BenchConfig => ({ ...base, bootstrap, topic: `repl-rf${rf}-${suffix}`, acks: 'all' });
    const ready = new Map<number, unknown>();
    for (const rf of [1, 3]) {
      try {
        await readyTopic(bootstrap, cfg(rf).topic, base.partitions, rf, 120_000, started?.createTopic ?? c.createTopic);
      } catch (err) {
        ready.set(rf, err);
      }
    }
    const produced = new Map<number, BenchResult>();
    for (const rf of [1, 3]) {
      const workload = `produce RF=${rf} ${base.recordSize} B p=${base.partitions} acks=all`;
      log(workload);
      const r = ready.has(rf) ? failedRow(workload, ready.get(rf)) : await guarded(workload, async () => ({ ...(await produceBench(cfg(rf))), workload }));
      results.push(r);
      if (!r.notes?.startsWith('FAILED')) produced.set(rf, r);
    }
    const e2e = new Map<number, BenchResult>();
    for (const rf of [1, 3]) {
      const workload = `e2e RF=${rf} ${base.recordSize} B @ ${base.rate} rec/s acks=all linger=0`;
      log(workload);
      const r = ready.has(rf) ? failedRow(workload, ready.get(rf)) : await guarded(workload, async () => ({ ...(await e2eBench({ ...cfg(rf), lingerMs: 0, records: undefined })), workload }));
      results.push(r);
      if (r.latencyMs) e2e.set(rf, r);
    }
    const one = produced.get(1);
    const three = produced.get(3);
    summary.push(['produce RF=3 / RF=1', one && three && one.mbPerSec > 0 ? `${round(three.mbPerSec / one.mbPerSec, 2)} (aim >= 0.6)` : 'n/a (a phase failed)']);
    summary.push(['e2e p99 RF=1 / RF=3', `${e2e.get(1)?.latencyMs?.p99 ?? 'n/a'} ms (aim <= 10) / ${e2e.get(3)?.latencyMs?.p99 ?? 'n/a'} ms (aim <= 15)`]);
    summary.push(['brokers', started !== undefined ? '3 processes started here (kubernetes store)' : `the cluster at ${bootstrap}`]);
    return { results, summary };
  } finally {
    await started?.close();
  }
}
