// Public entry of @runnel/monitoring: Runnel's alerts, dashboard and monitors, as code.
export {
  BROKER_JOB,
  OPERATOR_JOB,
  CLUSTER_LABELS,
  DEFAULT_SELECTORS,
  type AlertRule,
  type AlertScenario,
  type AlertSource,
  type MonitoringSelectors,
  type Severity,
} from './alerts/alert-rule.ts';
export {
  RUNBOOK_BASE_URL,
  alertRules,
  expandAnnotation,
  prometheusRule,
  promtoolTests,
  ruleGroups,
  type PrometheusAlertingRule,
  type RuleGroups,
  type RuleOptions,
} from './alerts/render-rules.ts';
export { dashboardRows, type PanelQuery, type PanelSpec, type RowSpec } from './dashboard/dashboard-panels.ts';
export { DASHBOARD_UID, dashboardVariables, renderDashboard, type LabelVariable } from './dashboard/render-dashboard.ts';
export { brokerPodMonitor, dashboardConfigMap, operatorServiceMonitor, type MonitorOptions } from './monitors.ts';
export { DASHBOARD_FILE, RULES_FILE, RULE_TESTS_FILE, renderMonitoring, type RenderedFile } from './render-monitoring.ts';
