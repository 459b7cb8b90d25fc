import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The operator's Prometheus metrics (DESIGN.md §8): reconcile totals, errors and durations per
 * controller, queue depth, last successful reconcile, desired and ready brokers per cluster,
 * topics by condition, API writes, and whether this replica leads.
 */
export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({ name: 'runnel_operator_reconcile_total', help: 'Reconciles by controller and result (success, error).', labelNames: ['controller', 'result'], registers: [this.registry] });
  readonly reconcileErrors = new Counter({ name: 'runnel_operator_reconcile_errors_total', help: 'Reconciles that failed, by controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly reconcileDuration = new Histogram({
    name: 'runnel_operator_reconcile_duration_seconds',
    help: 'Time of one reconcile, by controller.',
    labelNames: ['controller'],
    buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({ name: 'runnel_operator_last_reconcile_success_timestamp_seconds', help: 'Unix time of the last successful reconcile, by controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly queueDepth = new Gauge({ name: 'runnel_operator_queue_depth', help: 'Keys waiting in the work queue, by controller.', labelNames: ['controller'], registers: [this.registry] });
  readonly desiredBrokers = new Gauge({ name: 'runnel_operator_brokers_desired', help: 'spec.replicas of each Cluster (cluster_namespace: the Cluster\'s namespace; `namespace` is the scrape target\'s).', labelNames: ['cluster_namespace', 'cluster'], registers: [this.registry] });
  readonly readyBrokers = new Gauge({ name: 'runnel_operator_brokers_ready', help: 'Ready broker pods of each Cluster (cluster_namespace: the Cluster\'s namespace).', labelNames: ['cluster_namespace', 'cluster'], registers: [this.registry] });
  readonly topics = new Gauge({ name: 'runnel_operator_topics', help: 'Topics whose condition (Ready, Progressing, Degraded) is True, by condition.', labelNames: ['condition'], registers: [this.registry] });
  readonly apiWrites = new Counter({ name: 'runnel_operator_api_writes_total', help: 'Writes sent to the API server, by verb and kind.', labelNames: ['verb', 'kind'], registers: [this.registry] });
  readonly leader = new Gauge({ name: 'runnel_operator_leader', help: '1 while this replica holds the operator Lease (or runs without leader election).', registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }
}
