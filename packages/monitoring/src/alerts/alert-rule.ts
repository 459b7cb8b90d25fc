/** How urgent an alert is (kube-prometheus conventions: `critical` pages, `warning` goes to a queue). */
export type Severity = 'critical' | 'warning';

/** Where an alert's series come from. */
export type AlertSource = 'broker' | 'operator';

/**
 * One synthetic scenario for `promtool test rules`: input series, the evaluation time, and the
 * alerts expected to be firing then (each given by the labels of its firing series).
 */
export interface AlertScenario {
  readonly name: string;
  /** Series in promtool's expanding notation (`'0+1x10'`, `'5x30'`), one sample per `interval`. */
  readonly series: ReadonlyArray<{ readonly series: string; readonly values: string }>;
  /** @default '1m' */
  readonly interval?: string;
  /** When the alert state is checked, e.g. `'15m'`. */
  readonly evalTime: string;
  /** Labels of each expected firing alert, besides `alertname` and `severity`; empty: none fires. */
  readonly fires: ReadonlyArray<Readonly<Record<string, string>>>;
}

/** One alerting rule, with what proves it: synthetic scenarios and the series it is built on. */
export interface AlertRule {
  /** `Runnel…` in PascalCase; also the runbook's file name (`docs/runbooks/<alert>.md`). */
  readonly alert: string;
  readonly severity: Severity;
  readonly source: AlertSource;
  /** How long the condition must hold before the alert fires. */
  readonly for: string;
  readonly expr: string;
  /**
   * Sub-expressions of `expr` (verbatim) that have series in a healthy, running cluster: the
   * condition itself is empty there by design, so a test against a real Prometheus queries these
   * to show the alert watches series that exist.
   */
  readonly signals: readonly string[];
  /** One line; may use `{{ $labels.<name> }}` of the firing series, nothing else. */
  readonly summary: string;
  /** What is wrong and what it costs; same template rule as `summary`. */
  readonly description: string;
  readonly scenarios: readonly AlertScenario[];
}

/** Label selectors of the scrape jobs the rules and the dashboard read. */
export interface MonitoringSelectors {
  /** @default 'job="runnel-broker"' */
  readonly broker: string;
  /** @default 'job="runnel-operator"' */
  readonly operator: string;
}

/**
 * The job labels the shipped ServiceMonitor and PodMonitors set (by relabelling), and so the
 * defaults the rules and the dashboard select on.
 */
export const BROKER_JOB = 'runnel-broker';
export const OPERATOR_JOB = 'runnel-operator';

export const DEFAULT_SELECTORS: MonitoringSelectors = { broker: `job="${BROKER_JOB}"`, operator: `job="${OPERATOR_JOB}"` };

/**
 * Labels that identify one Runnel cluster on broker series: the pod's namespace and its
 * `app.kubernetes.io/instance` (the Cluster's name), relabelled to `runnel_cluster` by the PodMonitor.
 */
export const CLUSTER_LABELS = 'namespace, runnel_cluster';
