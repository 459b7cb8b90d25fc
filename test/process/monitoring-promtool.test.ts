/**
 * The shipped rules under promtool, built from the pinned Prometheus Go module (test/kube):
 * `check rules` on the rule file and on the PrometheusRule's groups, `test rules` firing and
 * silencing every alert on synthetic series, a planted threshold bug that the tests catch, and
 * `check metrics` (Prometheus' naming lint) on a replicated broker's /metrics.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAST_REPLICATION_TIMING } from '@runnel/broker';
import { RULES_FILE, RULE_TESTS_FILE, alertRules, prometheusRule } from '@runnel/monitoring';
import { builtTestTool } from '@runnel/test-kube';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestCluster, tempDir } from './broker/test-cluster.ts';

const DEPLOY = fileURLToPath(new URL('../../deploy/monitoring/', import.meta.url));

function promtool(binary: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

let binary: string;
let dir: string;
beforeAll(async () => {
  binary = await builtTestTool('promtool');
  dir = await mkdtemp(join(tmpdir(), 'runnel-promtool-'));
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('promtool on deploy/monitoring', () => {
  it('check rules accepts the rule file, with every alert', async () => {
    const { code, output } = await promtool(binary, ['check', 'rules', join(DEPLOY, RULES_FILE)]);
    expect(output).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(code, output).toBe(0);
  });

  it('check rules accepts the groups of the PrometheusRule', async () => {
    const file = join(dir, 'prometheus-rule-spec.yml');
    const object = parse(await readFile(join(DEPLOY, 'prometheus-rule.yaml'), 'utf8')) as { spec: unknown };
    expect(object).toEqual(JSON.parse(JSON.stringify(prometheusRule())));
    await writeFile(file, stringify(object.spec));
    const { code, output } = await promtool(binary, ['check', 'rules', file]);
    expect(code, output).toBe(0);
  });

  it('test rules fires every alert on synthetic series and keeps it quiet on healthy ones', async () => {
    const { code, output } = await promtool(binary, ['test', 'rules', join(DEPLOY, RULE_TESTS_FILE)]);
    expect(code, output).toBe(0);
    expect(output).toContain('SUCCESS');
    const tests = parse(await readFile(join(DEPLOY, RULE_TESTS_FILE), 'utf8')) as { tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }> };
    const fired = new Set(tests.tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    expect([...fired].sort()).toEqual(alertRules().map((r) => r.alert).sort());
  });

  it('test rules fails, naming the alert, when a threshold is planted wrong', async () => {
    await copyFile(join(DEPLOY, RULE_TESTS_FILE), join(dir, RULE_TESTS_FILE));
    const rules = parse(await readFile(join(DEPLOY, RULES_FILE), 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    const planted = rules.groups[0]!.rules.find((r) => r.alert === 'RunnelUnderReplicatedPartitions')!;
    expect(planted.expr.endsWith('> 0')).toBe(true);
    planted.expr = planted.expr.replace(/> 0$/, '> 5');
    await writeFile(join(dir, RULES_FILE), stringify(rules));
    const { code, output } = await promtool(binary, ['test', 'rules', join(dir, RULE_TESTS_FILE)]);
    expect(code).not.toBe(0);
    expect(output).toContain('RunnelUnderReplicatedPartitions');
  });
});

/** Runs `promtool check metrics` with `text` on stdin. */
function checkMetrics(binary: string, text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

describe('promtool check metrics on a broker', () => {
  it('finds nothing to criticise in the runnel_* names, and flags a planted misnamed one', async () => {
    const data = await tempDir();
    const cluster = await startTestCluster(data, { brokers: 3, replicationFactor: 3, replicationTiming: FAST_REPLICATION_TIMING, metricsPort: 0, defaultMetrics: true, demoTopic: { name: 'lint', partitions: 2 } });
    try {
      const text = await (await fetch(`http://${cluster.brokers[0]!.metricsAddress}/metrics`)).text();
      expect(text).toContain('runnel_broker_lease_writes_total');
      const planted = '# HELP runnel_planted_total A gauge misnamed as a counter.\n# TYPE runnel_planted_total gauge\nrunnel_planted_total 1\n';
      const { output } = await checkMetrics(binary, text + planted);
      const flagged = output.split('\n').filter((l) => l.startsWith('runnel_'));
      expect(flagged, output).toEqual(['runnel_planted_total non-counter metrics should not have "_total" suffix']);
    } finally {
      await cluster.close();
      await removeDir(data);
    }
  });
});
