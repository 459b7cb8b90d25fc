import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTORS } from './alerts/alert-rule.ts';
import { RUNBOOK_BASE_URL, alertRules, expandAnnotation, prometheusRule, ruleGroups } from './alerts/render-rules.ts';
import { dashboardRows } from './dashboard/dashboard-panels.ts';
import { renderDashboard } from './dashboard/render-dashboard.ts';
import { MONITORING_DIRECTORY } from './generate-monitoring.ts';
import { brokerPodMonitor, operatorServiceMonitor } from './monitors.ts';
import { renderMonitoring } from './render-monitoring.ts';

const RUNBOOKS = fileURLToPath(new URL('../../../docs/runbooks/', import.meta.url));
const BROKER_README = new URL('../../broker/README.md', import.meta.url);
const OWN_README = new URL('../README.md', import.meta.url);

/** Metric names in the first column of a README table (rows starting with "| `runnel_"). */
async function tableMetrics(readme: URL): Promise<Set<string>> {
  const text = await readFile(readme, 'utf8');
  return new Set([...text.matchAll(/^\| `(runnel_[a-z_]+)` \|/gm)].map((m) => m[1]!));
}

/** Metric names a PromQL expression reads (every selector here has braces); histogram series map to their family. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\b(runnel_[a-z_]+|up)\{/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));
}

describe('generated monitoring files', () => {
  it('deploy/monitoring holds exactly what the generator writes (run `npm run gen:monitoring -w @runnel/monitoring` after a change)', async () => {
    const rendered = renderMonitoring();
    const files = (await readdir(MONITORING_DIRECTORY)).filter((f) => f !== 'README.md').sort();
    expect(files).toEqual(rendered.map((f) => f.file).sort());
    for (const file of rendered) {
      expect(await readFile(`${MONITORING_DIRECTORY}${file.file}`, 'utf8'), `deploy/monitoring/${file.file} is stale`).toBe(file.text);
    }
  });

  it('each file parses back to the object it was rendered from', () => {
    for (const file of renderMonitoring()) {
      expect(file.file.endsWith('.json') ? JSON.parse(file.text) : parse(file.text), file.file).toEqual(JSON.parse(JSON.stringify(file.object)));
    }
  });
});

describe('alert rules', () => {
  const rules = alertRules();

  it('covers what SREs page on: partitions, brokers, disk, latency, Leases, consumer lag and the operator', () => {
    const exprs = rules.map((r) => r.expr).join('\n');
    for (const needed of [
      'runnel_broker_under_replicated_partitions', 'runnel_broker_under_min_isr_partitions', 'runnel_broker_offline_partitions',
      'up{job="runnel-broker"}', 'predict_linear(runnel_broker_data_dir_available_bytes', 'rpc=~"Produce|ProduceStream"',
      'runnel_broker_fetch_serve_duration_seconds_bucket', 'runnel_broker_lease_renewal_age_seconds', 'runnel_broker_lease_writes_total', 'runnel_broker_consumer_group_lag_seconds',
      'runnel_operator_reconcile_errors_total', 'runnel_operator_last_reconcile_success_timestamp_seconds',
    ]) expect(exprs).toContain(needed);
    expect(rules.filter((r) => r.expr.includes('histogram_quantile(0.99')).map((r) => r.alert).sort()).toEqual(['RunnelFetchLatencyHigh', 'RunnelProduceLatencyHigh']);
  });

  it('have unique Runnel* names, a severity, a for duration, and at least one firing and one quiet scenario', () => {
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.alert).toMatch(/^Runnel[A-Z][A-Za-z]+$/);
      expect(['critical', 'warning']).toContain(r.severity);
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect(r.scenarios.some((s) => s.fires.length > 0), `${r.alert} has a firing scenario`).toBe(true);
      expect(r.scenarios.some((s) => s.fires.length === 0), `${r.alert} has a quiet scenario`).toBe(true);
    }
  });

  it('build their expressions from their signals (what the real-Prometheus test checks for data)', () => {
    for (const r of rules) {
      expect(r.signals.length, r.alert).toBeGreaterThan(0);
      for (const signal of r.signals) expect(r.expr, `${r.alert}: signal ${signal}`).toContain(signal);
    }
  });

  it('carry a runbook_url to docs/runbooks/<alert>.md, which exists and says what it means, how to confirm, what to do and when to escalate', async () => {
    for (const group of ruleGroups().groups) {
      for (const rule of group.rules) {
        expect(rule.annotations.runbook_url).toBe(`${RUNBOOK_BASE_URL}${rule.alert}.md`);
        const path = `${RUNBOOKS}${rule.alert}.md`;
        expect(existsSync(path), `docs/runbooks/${rule.alert}.md`).toBe(true);
        const text = await readFile(path, 'utf8');
        expect(text.startsWith(`# ${rule.alert}\n`), `${rule.alert}.md title`).toBe(true);
        expect(text).toContain(`Severity: ${rule.labels.severity}.`);
        for (const section of ['## What it means', '## How to confirm', '## What to do', '## When to escalate']) expect(text, `${rule.alert}.md: ${section}`).toContain(section);
        const metrics = new Set(metricsIn(rules.find((r) => r.alert === rule.alert)!.expr));
        for (const m of metrics) expect(text, `${rule.alert}.md names ${m}`).toContain(m);
      }
    }
  });

  it('have no runbook without an alert, and the runbook index lists every alert', async () => {
    const pages = (await readdir(RUNBOOKS)).filter((f) => f !== 'README.md').map((f) => f.replace(/\.md$/, '')).sort();
    expect(pages).toEqual(rules.map((r) => r.alert).sort());
    const index = await readFile(`${RUNBOOKS}README.md`, 'utf8');
    for (const r of rules) expect(index).toContain(`| ${r.alert} | ${r.severity} | [${r.alert}.md](${r.alert}.md) |`);
  });

  it('read only metrics that are documented: the broker README table and the operator contract', async () => {
    const broker = await tableMetrics(BROKER_README);
    const operator = await tableMetrics(OWN_README);
    const used = new Set([
      ...rules.flatMap((r) => metricsIn(r.expr)),
      ...dashboardRows(DEFAULT_SELECTORS).flatMap((row) => row.panels.flatMap((p) => p.queries.flatMap((q) => metricsIn(q.expr)))),
    ]);
    expect(used.size).toBeGreaterThan(25);
    for (const m of used) {
      if (m === 'up') continue;
      expect(m.startsWith('runnel_broker_') ? broker.has(m) : operator.has(m), `${m} is documented`).toBe(true);
    }
  });

  it('render as a PrometheusRule with the groups of the rule file and the labels a user adds', () => {
    const object = prometheusRule({ labels: { release: 'kube-prometheus-stack' }, namespace: 'monitoring' }) as { metadata: { labels: Record<string, string>; namespace: string }; spec: unknown };
    expect(object.metadata.labels['release']).toBe('kube-prometheus-stack');
    expect(object.metadata.namespace).toBe('monitoring');
    expect(object.spec).toEqual(ruleGroups());
  });

  it('use runbookBaseUrl when given', () => {
    const rule = ruleGroups({ runbookBaseUrl: 'https://docs.example/rb/' }).groups[0]!.rules[0]!;
    expect(rule.annotations.runbook_url).toBe(`https://docs.example/rb/${rule.alert}.md`);
  });
});

describe('expandAnnotation', () => {
  it('substitutes $labels like Prometheus', () => {
    expect(expandAnnotation('Broker {{ $labels.broker }} of {{ $labels.runnel_cluster }}', { broker: '2', runnel_cluster: 'events' })).toBe('Broker 2 of events');
  });

  it('names the label a firing series lacks', () => {
    expect(() => expandAnnotation('Broker {{ $labels.broker }}', {})).toThrow(/uses label broker, which the firing series does not have/);
  });

  it('refuses templates it cannot expand the way Prometheus would', () => {
    expect(() => expandAnnotation('{{ $value | humanize }}', {})).toThrow(/uses a template other than/);
  });
});

describe('dashboard', () => {
  const dashboard = renderDashboard() as unknown as {
    uid: string;
    panels: Array<{ id: number; type: string; title: string; gridPos: { x: number; w: number }; datasource?: { uid: string }; targets?: Array<{ expr: string; refId: string; datasource: { uid: string } }> }>;
    templating: { list: Array<{ name: string; type: string }> };
  };

  it('has the rows SREs expect, in order', () => {
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'Cluster overview', 'Throughput', 'Latency', 'Partition health', 'Disk', 'Replication and Lease writes', 'Consumer groups', 'Operator',
    ]);
  });

  it('gives every panel unique ids, a layout inside the 24-column grid, and queries on the datasource variable', () => {
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      expect(p.datasource?.uid).toBe('${datasource}');
      for (const t of p.targets!) {
        expect(t.datasource.uid).toBe('${datasource}');
        expect(t.expr.length).toBeGreaterThan(0);
      }
      expect(new Set(p.targets!.map((t) => t.refId)).size, `${p.title} refIds`).toBe(p.targets!.length);
    }
  });

  it('lets the user pick the Prometheus, the namespace and the Runnel cluster', () => {
    expect(dashboard.templating.list.map((v) => `${v.name}:${v.type}`)).toEqual(['datasource:datasource', 'namespace:query', 'cluster:query']);
  });
});

describe('monitors', () => {
  it('a PodMonitor scrapes broker pods on port metrics, with user labels and the job and cluster labels the rules select on', () => {
    const pm = brokerPodMonitor({ name: 'b', labels: { release: 'kps' } }) as {
      metadata: { labels: Record<string, string> };
      spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector: unknown; podMetricsEndpoints: Array<{ port: string; relabelings: Array<{ targetLabel: string; replacement?: string }> }> };
    };
    expect(pm.metadata.labels['release']).toBe('kps');
    expect(pm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/component': 'broker' });
    expect(pm.spec.namespaceSelector).toEqual({ any: true });
    const endpoint = pm.spec.podMetricsEndpoints[0]!;
    expect(endpoint.port).toBe('metrics');
    expect(endpoint.relabelings.find((r) => r.targetLabel === 'job')?.replacement).toBe('runnel-broker');
    expect(endpoint.relabelings.map((r) => r.targetLabel)).toContain('runnel_cluster');
    expect((brokerPodMonitor({ name: 'b', namespaces: ['a', 'b'] }) as { spec: { namespaceSelector: unknown } }).spec.namespaceSelector).toEqual({ matchNames: ['a', 'b'] });
  });

  it('a ServiceMonitor scrapes the operator\'s metrics Service as job runnel-operator', () => {
    const sm = operatorServiceMonitor({ name: 'o', interval: '15s' }) as { spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; interval: string; relabelings: Array<{ targetLabel: string; replacement?: string }> }> } };
    expect(sm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('operator');
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', interval: '15s' });
    expect(sm.spec.endpoints[0]!.relabelings.find((r) => r.targetLabel === 'job')?.replacement).toBe('runnel-operator');
  });
});
