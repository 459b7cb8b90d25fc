import type { AlertRule, AlertScenario, MonitoringSelectors } from './alert-rule.ts';
import { DEFAULT_SELECTORS } from './alert-rule.ts';
import { brokerAlerts } from './broker-alerts.ts';
import { operatorAlerts } from './operator-alerts.ts';

/**
 * Where `docs/runbooks/` of this repository is published; every alert's `runbook_url` is this plus
 * `<alert>.md`. Override with {@link RuleOptions.runbookBaseUrl} when the docs live elsewhere.
 */
export const RUNBOOK_BASE_URL = 'https://github.com/runnel-dev/runnel/blob/main/docs/runbooks/';

/** Options of the rule renderers. */
export interface RuleOptions {
  /** @default DEFAULT_SELECTORS */
  readonly selectors?: MonitoringSelectors;
  /** @default RUNBOOK_BASE_URL */
  readonly runbookBaseUrl?: string;
}

/** Every alert Runnel ships, brokers' first. */
export function alertRules(options: RuleOptions = {}): AlertRule[] {
  const selectors = options.selectors ?? DEFAULT_SELECTORS;
  return [...brokerAlerts(selectors), ...operatorAlerts(selectors)];
}

/** A rule as Prometheus reads it (rule file and PrometheusRule spec alike). */
export interface PrometheusAlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: { readonly severity: string };
  readonly annotations: { readonly summary: string; readonly description: string; readonly runbook_url: string };
}

/** Rule groups: one per source, so a user can drop the operator's when it is not installed. */
export interface RuleGroups {
  readonly groups: ReadonlyArray<{ readonly name: string; readonly rules: readonly PrometheusAlertingRule[] }>;
}

function toPrometheus(rule: AlertRule, runbookBaseUrl: string): PrometheusAlertingRule {
  return {
    alert: rule.alert,
    expr: rule.expr,
    for: rule.for,
    labels: { severity: rule.severity },
    annotations: { summary: rule.summary, description: rule.description, runbook_url: `${runbookBaseUrl}${rule.alert}.md` },
  };
}

/** The rule groups of a Prometheus rule file (`promtool check rules` format). */
export function ruleGroups(options: RuleOptions = {}): RuleGroups {
  const base = options.runbookBaseUrl ?? RUNBOOK_BASE_URL;
  const rules = alertRules(options);
  return {
    groups: (['broker', 'operator'] as const).map((source) => ({
      name: `runnel-${source}`,
      rules: rules.filter((r) => r.source === source).map((r) => toPrometheus(r, base)),
    })),
  };
}

/** The same groups as a prometheus-operator `PrometheusRule`. */
export function prometheusRule(options: RuleOptions & { readonly name?: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> } = {}): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: options.name ?? 'runnel',
      ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      labels: { 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/component': 'monitoring', ...options.labels },
    },
    spec: ruleGroups(options),
  };
}

/**
 * Expands the only template the annotations use, `{{ $labels.<name> }}`, as Prometheus would for
 * a firing series with `labels`.
 * @throws Error naming the template and the missing label, or any other template construct
 */
export function expandAnnotation(template: string, labels: Readonly<Record<string, string>>): string {
  const expanded = template.replace(/\{\{ \$labels\.([a-zA-Z_][a-zA-Z0-9_]*) \}\}/g, (_, name: string) => {
    const value = labels[name];
    if (value === undefined) throw new Error(`Annotation "${template}" uses label ${name}, which the firing series does not have`);
    return value;
  });
  if (expanded.includes('{{')) throw new Error(`Annotation "${template}" uses a template other than {{ $labels.<name> }}`);
  return expanded;
}

function scenarioTest(rule: AlertRule, scenario: AlertScenario, runbookBaseUrl: string): Record<string, unknown> {
  const prom = toPrometheus(rule, runbookBaseUrl);
  return {
    name: scenario.name,
    interval: scenario.interval ?? '1m',
    input_series: scenario.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: [
      {
        eval_time: scenario.evalTime,
        alertname: rule.alert,
        exp_alerts: scenario.fires.map((labels) => ({
          exp_labels: { ...labels, severity: rule.severity },
          exp_annotations: {
            summary: expandAnnotation(rule.summary, labels),
            description: expandAnnotation(rule.description, labels),
            runbook_url: prom.annotations.runbook_url,
          },
        })),
      },
    ],
  };
}

/** A `promtool test rules` file: every scenario of every alert, against `ruleFile`. */
export function promtoolTests(ruleFile: string, options: RuleOptions = {}): Record<string, unknown> {
  const base = options.runbookBaseUrl ?? RUNBOOK_BASE_URL;
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: alertRules(options).flatMap((rule) => rule.scenarios.map((scenario) => scenarioTest(rule, scenario, base))),
  };
}
