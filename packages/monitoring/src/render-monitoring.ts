import { stringify } from 'yaml';
import { DEFAULT_SELECTORS, type MonitoringSelectors } from './alerts/alert-rule.ts';
import { prometheusRule, promtoolTests, ruleGroups } from './alerts/render-rules.ts';
import { renderDashboard } from './dashboard/render-dashboard.ts';
import { brokerPodMonitor, dashboardConfigMap, operatorServiceMonitor } from './monitors.ts';

/** One generated file of deploy/monitoring. */
export interface RenderedFile {
  /** File name under deploy/monitoring. */
  readonly file: string;
  /** The object the file holds (what Prometheus, promtool, Grafana or the API server reads). */
  readonly object: unknown;
  /** The text checked in. */
  readonly text: string;
}

/** The plain Prometheus rule file, read by promtool and by Prometheus without the operator. */
export const RULES_FILE = 'runnel-alerts.rules.yml';
/** The `promtool test rules` file that fires every alert on synthetic series. */
export const RULE_TESTS_FILE = 'runnel-alerts.test.yml';
/** The Grafana dashboard JSON. */
export const DASHBOARD_FILE = 'grafana-dashboard.json';

const HEADER = '# Generated from packages/monitoring by `npm run gen:monitoring -w @runnel/monitoring`. Do not edit.\n';

const yamlFile = (file: string, object: unknown): RenderedFile => ({ file, object, text: HEADER + stringify(object, { lineWidth: 0 }) });

/**
 * Everything in deploy/monitoring, from the TypeScript sources (the only source of truth): the
 * rules (as a PrometheusRule and as a plain rule file), their promtool tests, the dashboard (JSON
 * and as a Grafana-sidecar ConfigMap), and example monitors for `kubectl apply`.
 */
export function renderMonitoring(selectors: MonitoringSelectors = DEFAULT_SELECTORS): RenderedFile[] {
  const dashboard = renderDashboard(selectors);
  const dashboardJson = `${JSON.stringify(dashboard, null, 2)}\n`;
  return [
    yamlFile(RULES_FILE, ruleGroups({ selectors })),
    yamlFile(RULE_TESTS_FILE, promtoolTests(RULES_FILE, { selectors })),
    yamlFile('prometheus-rule.yaml', prometheusRule({ selectors })),
    { file: DASHBOARD_FILE, object: dashboard, text: dashboardJson },
    yamlFile('grafana-dashboard-configmap.yaml', dashboardConfigMap({ name: 'runnel-grafana-dashboard', dashboardJson })),
    yamlFile('broker-podmonitor.yaml', brokerPodMonitor({ name: 'runnel-brokers' })),
    yamlFile('operator-servicemonitor.yaml', operatorServiceMonitor({ name: 'runnel-operator' })),
  ];
}
