import { BROKER_JOB, OPERATOR_JOB } from './alerts/alert-rule.ts';

/** Options shared by the monitor renderers (the Helm chart's `monitoring.*` values map onto these). */
export interface MonitorOptions {
  /** metadata.name. */
  readonly name: string;
  /** metadata.namespace; omitted: the namespace `kubectl apply` or Helm uses. */
  readonly namespace?: string;
  /**
   * Extra metadata labels. kube-prometheus-stack selects monitors by `release: <its release>`
   * unless told otherwise: a monitor without that label is silently ignored.
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Scrape interval. @default '30s' */
  readonly interval?: string;
}

const componentLabels = (component: string): Record<string, string> => ({ 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/component': component });

function metadata(o: MonitorOptions): Record<string, unknown> {
  return {
    name: o.name,
    ...(o.namespace === undefined ? {} : { namespace: o.namespace }),
    labels: { 'app.kubernetes.io/name': 'runnel', 'app.kubernetes.io/component': 'monitoring', ...o.labels },
  };
}

/**
 * The relabelling every Runnel scrape gets: a fixed `job` (what the rules and the dashboard select
 * on, whatever the monitor is called) and, for brokers, `runnel_cluster` from the pod's
 * `app.kubernetes.io/instance` (the Cluster's name). prometheus-operator adds `namespace` and `pod`.
 */
function relabelings(job: string, withCluster: boolean): Array<Record<string, unknown>> {
  return [
    { action: 'replace', targetLabel: 'job', replacement: job },
    ...(withCluster ? [{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_instance'], targetLabel: 'runnel_cluster' }] : []),
    { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
  ];
}

/**
 * A PodMonitor for the broker pods of every Runnel Cluster (any namespace): port `metrics`, path
 * `/metrics`. Brokers are scraped per pod because their Services carry only the gRPC port.
 */
export function brokerPodMonitor(o: MonitorOptions & { readonly namespaces?: readonly string[] }): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: metadata(o),
    spec: {
      selector: { matchLabels: componentLabels('broker') },
      namespaceSelector: o.namespaces === undefined ? { any: true } : { matchNames: [...o.namespaces] },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: o.interval ?? '30s', relabelings: relabelings(BROKER_JOB, true) }],
    },
  };
}

/** A ServiceMonitor for the operator's metrics Service (port `metrics`) in its own namespace. */
export function operatorServiceMonitor(o: MonitorOptions): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: metadata(o),
    spec: {
      selector: { matchLabels: componentLabels('operator') },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: o.interval ?? '30s', relabelings: relabelings(OPERATOR_JOB, false) }],
    },
  };
}

/**
 * The dashboard as a ConfigMap labelled `grafana_dashboard: "1"`, which the Grafana sidecar of
 * kube-prometheus-stack (and of the Grafana chart) imports.
 */
export function dashboardConfigMap(o: MonitorOptions & { readonly dashboardJson: string }): Record<string, unknown> {
  const meta = metadata(o) as { labels: Record<string, string> };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...meta, labels: { ...meta.labels, grafana_dashboard: '1' } },
    data: { 'runnel.json': o.dashboardJson },
  };
}
