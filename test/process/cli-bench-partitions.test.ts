// `runnel bench partitions` (issue 12 §1), small: its own broker process creates a topic of 500
// partitions and puts a light produce load on every one of them; the report must say that all were
// created and led, and give the broker's RSS. Without --kubeconfig the kubernetes phases are skipped
// and the report says so. Timings are printed, never asserted (the machine is shared).
import { describe, expect, it } from 'vitest';
import { runRunnel } from './cli/runnel-process.ts';

interface Report {
  workload: string;
  results: Array<{ workload: string; records: number; seconds: number; recordsPerSec: number; brokerRssMb?: number; notes?: string }>;
  summary: Record<string, string>;
}

describe('runnel bench partitions', () => {
  it('creates 500 partitions on its own broker, reports all led and the RSS after creation and under load', async () => {
    const r = await runRunnel(['bench', 'partitions', '--partitions', '500', '--duration', '3', '--rate', '1000', '--json'], { timeoutMs: 170_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.workload).toBe('partitions');
    const [create, load] = report.results;
    expect(create!.workload).toBe('local: create 500 partitions until all led');
    expect(create!.notes).toMatch(/; 500\/500 led$/);
    expect(create!.records).toBe(500);
    expect(create!.seconds).toBeGreaterThan(0);
    expect(create!.brokerRssMb).toBeGreaterThan(10);
    // Light load: every partition got records, none failed, and the broker's RSS was sampled.
    expect(load!.notes).toBe('500 partitions written');
    expect(load!.records).toBeGreaterThan(500);
    expect(load!.brokerRssMb).toBeGreaterThan(10);
    expect(report.summary['local: 500 partitions created and led']).toMatch(/^[\d.]+ s \(aim <= 5 s\)$/);
    expect(report.summary['local: broker RSS with 500 partitions under load (peak of samples)']).toMatch(/^[\d.]+ MB/);
    expect(report.summary['kubernetes phases']).toBe('skipped (no --kubeconfig)');
  });

  it('rejects options that do not apply, naming them (exit code 2)', async () => {
    const other = await runRunnel(['bench', 'produce', '--failover-partitions', '10']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('--failover-partitions applies to bench partitions only');
    const writers = await runRunnel(['bench', 'partitions', '--cas-writers', '4,x']);
    expect(writers.code).toBe(2);
    expect(writers.stderr).toContain('Invalid value for --cas-writers: "4,x"');
    const kubeOnly = await runRunnel(['bench', 'partitions', '--kube-only']);
    expect(kubeOnly.code).toBe(2);
    expect(kubeOnly.stderr).toContain('--kube-only needs --kubeconfig');
    const bootstrap = await runRunnel(['bench', 'partitions', '--bootstrap', 'localhost:9092']);
    expect(bootstrap.code).toBe(2);
    expect(bootstrap.stderr).toContain('bench partitions starts its own brokers');
  });
});
