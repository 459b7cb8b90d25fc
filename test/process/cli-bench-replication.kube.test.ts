// `runnel bench replication --kubeconfig` on the real control plane, small: three `runnel broker
// --metadata kubernetes` processes, RF 1 and RF 3 topics created through the kubernetes-store helper
// process, every phase reported. And the other benches on a cluster whose topics are Topic
// resources: an existing --topic is used as it is (the brokers refuse CreateTopics there), and a
// missing one fails with the brokers' reason. Timings are printed, never asserted.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnBroker, type BenchBroker } from '../../packages/cli/src/bench/broker-process.ts';
import { REPO_ROOT, runRunnel } from './cli/runnel-process.ts';

const KUBE_STORE_MAIN = join(REPO_ROOT, 'packages/cli/src/bench/kube-store-main.ts');
const run = promisify(execFile);

const kube = kubeTest();
let namespace: string;
let dataDir: string;

beforeAll(async () => {
  namespace = await kube.createNamespace('bench-replication');
  dataDir = await mkdtemp(join(tmpdir(), 'runnel-bench-repl-'));
});

afterAll(async () => {
  await kube.deleteNamespace(namespace);
  await rm(dataDir, { recursive: true, force: true });
});

interface Report {
  results: Array<{ workload: string; records: number; notes?: string }>;
  summary: Record<string, string>;
}

it('measures RF 1 and RF 3 produce and e2e on three broker processes, every phase passing', async () => {
  const r = await runRunnel(['bench', 'replication', '--kubeconfig', kube.context.kubeconfigPath, '--namespace', namespace, '--duration', '1', '--rate', '500', '--json'], { timeoutMs: 175_000 });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.results.map((x) => x.workload)).toEqual([
    'produce RF=1 1024 B p=1 acks=all',
    'produce RF=3 1024 B p=1 acks=all',
    'e2e RF=1 1024 B @ 500 rec/s acks=all linger=0',
    'e2e RF=3 1024 B @ 500 rec/s acks=all linger=0',
  ]);
  for (const row of report.results) {
    expect(row.notes ?? '', row.workload).not.toMatch(/FAILED/);
    expect(row.records, row.workload).toBeGreaterThan(0);
  }
  expect(report.summary['produce RF=3 / RF=1']).toMatch(/^[\d.]+ \(aim >= 0\.6\)$/);
  expect(report.summary['brokers']).toBe('3 processes started here (kubernetes store)');
});

it('reports a kubeconfig it cannot use as a FAILED row that names the file, and exits 1', async () => {
  const missing = join(dataDir, 'no-such-kubeconfig');
  const r = await runRunnel(['bench', 'replication', '--kubeconfig', missing, '--json'], { timeoutMs: 60_000 });
  expect(r.code, r.stderr).toBe(1); // a failed phase makes the exit code 1 (README)
  const report = JSON.parse(r.stdout) as Report;
  expect(report.results).toHaveLength(1);
  expect(report.results[0]!.workload).toBe('start 3 broker processes');
  expect(report.results[0]!.notes).toMatch(/^FAILED: .*no-such-kubeconfig/);
});

describe('benches on a cluster whose topics are Topic resources', () => {
  const cluster = `bench-topic-${Math.random().toString(36).slice(2, 8)}`;
  let broker: BenchBroker | undefined;

  beforeAll(async () => {
    const where = { kubeconfig: kube.context.kubeconfigPath, namespace };
    await run(process.execPath, [KUBE_STORE_MAIN, JSON.stringify({ op: 'crds', ...where })]);
    broker = await spawnBroker(join(dataDir, 'broker-0'), [], ['--id', '0', '--metadata', 'kubernetes', '--cluster', cluster, '--kubeconfig', where.kubeconfig, '--namespace', namespace]);
    const { stdout } = await run(process.execPath, [KUBE_STORE_MAIN, JSON.stringify({ op: 'topic', ...where, cluster, brokers: [0], name: 'existing', partitions: 1, rf: 1 })]);
    expect(JSON.parse(stdout)).toEqual({ ok: true });
  }, 120_000);

  afterAll(async () => {
    await broker?.stop();
  });

  it('produces to an existing --topic instead of failing to create it', async () => {
    const r = await runRunnel(['bench', 'produce', '--bootstrap', broker!.bootstrap, '--topic', 'existing', '--records', '2000', '--json'], { timeoutMs: 120_000 });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.results[0]!.records).toBe(2000);
  });

  it('fails on a --topic that does not exist with the brokers\' reason', async () => {
    const r = await runRunnel(['bench', 'produce', '--bootstrap', broker!.bootstrap, '--topic', 'missing', '--records', '10'], { timeoutMs: 120_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/POLICY_VIOLATION.*Topics are Kubernetes resources/);
  });
});
