import { DEFAULT_SELECTORS, type MonitoringSelectors } from '../alerts/alert-rule.ts';
import { RUNBOOK_BASE_URL, alertRules } from '../alerts/render-rules.ts';
import { dashboardRows } from '../dashboard/dashboard-panels.ts';
import { dashboardVariables } from '../dashboard/render-dashboard.ts';

/**
 * docs/monitoring.md: every alert (name, severity, `for`, expression, runbook) and every dashboard
 * panel (title, queries), rendered from the same code as deploy/monitoring. Written by
 * `npm run gen:monitoring -w @runnel/monitoring`; a unit test fails when it drifts.
 */

/** Where docs/monitoring.md links the runbooks (relative, so the link works in the repository). */
const RUNBOOKS = 'runbooks/';

/** A value inside a Markdown table cell: `|` escaped (GitHub honours `\|` inside code spans in tables). */
const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function renderMonitoringDoc(selectors: MonitoringSelectors = DEFAULT_SELECTORS): string {
  const alerts = alertRules({ selectors });
  const rows = dashboardRows(selectors);
  const lines: string[] = [
    '<!-- Generated from packages/monitoring by `npm run gen:monitoring -w @runnel/monitoring`. Do not edit. -->',
    '# Monitoring: alerts and dashboard',
    '',
    'What Runnel ships in `deploy/monitoring/` (and the Helm chart\'s monitoring values): the alerts',
    'of the PrometheusRule and the panels of the Grafana dashboard, with the PromQL behind each. The',
    'queries select brokers by `' + selectors.broker + '` and the operator by `' + selectors.operator + '`, the labels the',
    'shipped PodMonitor and ServiceMonitor give them (`packages/monitoring/README.md` explains the',
    'labels; what to do when an alert fires is in [troubleshooting](troubleshooting.md) and the runbooks).',
    '',
    '## Alerts',
    '',
    `${alerts.length} alerts. Each carries \`severity\` (\`critical\` pages, \`warning\` goes to a queue) and a`,
    `\`runbook_url\` (by default \`${RUNBOOK_BASE_URL}<alert>.md\`).`,
    '',
    '| alert | severity | for | source | summary | runbook |',
    '|---|---|---|---|---|---|',
    ...alerts.map((a) => `| ${a.alert} | ${a.severity} | ${a.for} | ${a.source} | ${cell(a.summary)} | [${a.alert}.md](${RUNBOOKS}${a.alert}.md) |`),
    '',
  ];
  for (const a of alerts) {
    lines.push(`### ${a.alert}`, '', `Severity ${a.severity}, for ${a.for}. ${a.description}`, '', '```promql', a.expr, '```', '');
  }
  const panels = rows.reduce((n, r) => n + r.panels.length, 0);
  const queries = rows.reduce((n, r) => n + r.panels.reduce((m, p) => m + p.queries.length, 0), 0);
  lines.push(
    '## Dashboard',
    '',
    `"Runnel" (\`deploy/monitoring/grafana-dashboard.json\`, built with the Grafana Foundation SDK): ${rows.length} rows, ${panels} panels, ${queries} queries.`,
    'Variables: `datasource` (any Prometheus), ' + dashboardVariables(selectors).map((v) => `\`${v.name}\` (label \`${v.label}\` of \`${v.selector}\`)`).join(', ') + '.',
    '`$__rate_interval` is Grafana\'s rate window.',
    '',
  );
  for (const row of rows) {
    lines.push(`### ${row.title}`, '', '| panel | kind | unit | query | legend |', '|---|---|---|---|---|');
    for (const p of row.panels) {
      p.queries.forEach((q, i) => {
        lines.push(`| ${i === 0 ? cell(p.title) : ''} | ${i === 0 ? p.kind : ''} | ${i === 0 ? p.unit : ''} | \`${cell(q.expr)}\` | ${cell(q.legend)} |`);
      });
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
