// `runnel bench partitions --kubeconfig` on the real control plane, small: the API CAS phase, three
// `runnel broker --metadata kubernetes` processes leading a new topic's 60 partitions, and a SIGKILL
// of the broker that leads 30 RF 3 partitions until every one is led again by a live broker. The
// report must say so for each phase; timings are printed, never asserted (the machine is shared).
import { kubeTest } from '@runnel/test-kube';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runRunnel } from './cli/runnel-process.ts';

const kube = kubeTest();
let namespace: string;

beforeAll(async () => {
  namespace = await kube.createNamespace('bench-partitions');
});

afterAll(async () => {
  await kube.deleteNamespace(namespace);
});

interface Report {
  results: Array<{ workload: string; records: number; seconds: number; recordsPerSec: number; notes?: string }>;
  summary: Record<string, string>;
}

it('measures CAS/s, creation until all led and a failover on three broker processes, every phase passing', async () => {
  const r = await runRunnel(['bench', 'partitions', '--kube-only', '--kubeconfig', kube.context.kubeconfigPath, '--namespace', namespace, '--partitions', '60', '--failover-partitions', '30', '--cas-writers', '4', '--duration', '2', '--json'], { timeoutMs: 175_000 });
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  const report = JSON.parse(r.stdout) as Report;
  expect(report.results.map((x) => x.workload)).toEqual([
    'kube: Lease CAS updates, 4 concurrent writers, 2 s',
    'kube: RF 1 topic of 60 partitions, 3 brokers, creation until all led',
    'kube: SIGKILL of the broker leading 30 partitions (RF 3) until all led',
  ]);
  const [cas, created, failover] = report.results;
  expect(cas!.records).toBeGreaterThan(0);
  expect(cas!.notes).toMatch(/^\d+ CAS applied$/);
  expect(created!.records).toBe(60);
  expect(created!.notes).toMatch(/^Leases created in [\d.]+ s, all with a holder after [\d.]+ s, brokers lead all after [\d.]+ s; \d+ API Lease writes/);
  expect(failover!.records).toBe(30);
  // Led again only after the dead leader's broker Lease expired (10 s by default).
  expect(failover!.seconds).toBeGreaterThan(5);
  expect(failover!.notes).toMatch(/^first partition led again after [\d.]+ s; \d+ API Lease writes/);
  expect(report.summary['kube: failover of 30 partitions']).toMatch(/^[\d.]+ s after SIGKILL/);
});
