import type { AlertRule, MonitoringSelectors } from './alert-rule.ts';

/** Labels of the synthetic operator series in the promtool scenarios. */
const where = 'job="runnel-operator", namespace="runnel-system", pod="runnel-operator-0"';
const operatorPod = { job: 'runnel-operator', namespace: 'runnel-system', pod: 'runnel-operator-0' };

/**
 * The alerts on the operator's own metrics (`runnel_operator_*`, the contract of
 * `packages/monitoring/README.md`) and its scrape's `up`. They assume, as controller-runtime does,
 * that only the replica holding the leader-election Lease runs controllers, so a standby replica
 * has an empty queue and never looks stalled.
 */
export function operatorAlerts(s: MonitoringSelectors): AlertRule[] {
  const errors = `sum by (namespace, controller) (rate(runnel_operator_reconcile_errors_total{${s.operator}}[10m]))`;
  const reconciles = `sum by (namespace, controller) (rate(runnel_operator_reconcile_total{${s.operator}}[10m]))`;
  const sinceSuccess = `time() - runnel_operator_last_reconcile_success_timestamp_seconds{${s.operator}}`;
  const queue = `runnel_operator_queue_depth{${s.operator}}`;
  const ready = `runnel_operator_brokers_ready{${s.operator}}`;
  const desired = `runnel_operator_brokers_desired{${s.operator}}`;
  const up = `max by (namespace) (up{${s.operator}})`;
  return [
    {
      alert: 'RunnelOperatorDown',
      severity: 'warning',
      source: 'operator',
      for: '5m',
      expr: `${up} == 0`,
      signals: [up],
      summary: 'No Runnel operator replica in {{ $labels.namespace }} can be scraped',
      description: 'Every operator replica is down or unreachable. Brokers keep serving and failing over on their own (Leases), but nothing reconciles: no rolling restarts, scaling, topic changes or status updates.',
      scenarios: [
        {
          name: 'RunnelOperatorDown fires when every replica is down',
          series: [
            { series: `up{${where}}`, values: '1 0x10' },
            { series: 'up{job="runnel-operator", namespace="runnel-system", pod="runnel-operator-1"}', values: '1 0x10' },
          ],
          evalTime: '8m',
          fires: [{ namespace: 'runnel-system' }],
        },
        {
          name: 'RunnelOperatorDown stays quiet while one replica is up',
          series: [
            { series: `up{${where}}`, values: '1 0x10' },
            { series: 'up{job="runnel-operator", namespace="runnel-system", pod="runnel-operator-1"}', values: '1x11' },
          ],
          evalTime: '8m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelOperatorReconcileErrors',
      severity: 'warning',
      source: 'operator',
      for: '15m',
      expr: `${errors} / ${reconciles} > 0.1`,
      signals: [errors, reconciles],
      summary: 'More than 10 % of {{ $labels.controller }} reconciles fail',
      description: 'The operator\'s {{ $labels.controller }} controller has failed more than a tenth of its reconciles for 15 minutes. Conflicts that a retry resolves are normal; a steady error rate means a resource it cannot converge.',
      scenarios: [
        {
          name: 'RunnelOperatorReconcileErrors fires when a third of reconciles fail',
          series: [
            { series: `runnel_operator_reconcile_total{${where}, controller="topic", result="success"}`, values: '0+10x40' },
            { series: `runnel_operator_reconcile_total{${where}, controller="topic", result="error"}`, values: '0+5x40' },
            { series: `runnel_operator_reconcile_errors_total{${where}, controller="topic"}`, values: '0+5x40' },
          ],
          evalTime: '35m',
          fires: [{ namespace: 'runnel-system', controller: 'topic' }],
        },
        {
          name: 'RunnelOperatorReconcileErrors stays quiet for occasional conflicts',
          series: [
            { series: `runnel_operator_reconcile_total{${where}, controller="topic", result="success"}`, values: '0+20x40' },
            { series: `runnel_operator_reconcile_total{${where}, controller="topic", result="error"}`, values: '0+1x40' },
            { series: `runnel_operator_reconcile_errors_total{${where}, controller="topic"}`, values: '0+1x40' },
          ],
          evalTime: '35m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelOperatorReconcileStalled',
      severity: 'warning',
      source: 'operator',
      for: '5m',
      expr: `(${sinceSuccess} > 900) and (${queue} > 0)`,
      signals: [sinceSuccess, queue],
      summary: 'The operator\'s {{ $labels.controller }} controller has work queued but no successful reconcile for 15 minutes',
      description: 'Items wait in the {{ $labels.controller }} queue and no reconcile has succeeded for 15 minutes: the controller is stuck (a hung API call, a deadlock) or every attempt fails.',
      scenarios: [
        {
          name: 'RunnelOperatorReconcileStalled fires when the queue holds work and nothing succeeds',
          series: [
            { series: `runnel_operator_last_reconcile_success_timestamp_seconds{${where}, controller="cluster"}`, values: '0x40' },
            { series: `runnel_operator_queue_depth{${where}, controller="cluster"}`, values: '3x40' },
          ],
          evalTime: '25m',
          fires: [{ ...operatorPod, controller: 'cluster' }],
        },
        {
          name: 'RunnelOperatorReconcileStalled stays quiet while reconciles keep succeeding',
          series: [
            { series: `runnel_operator_last_reconcile_success_timestamp_seconds{${where}, controller="cluster"}`, values: '0+60x40' },
            { series: `runnel_operator_queue_depth{${where}, controller="cluster"}`, values: '3x40' },
          ],
          evalTime: '25m',
          fires: [],
        },
        {
          name: 'RunnelOperatorReconcileStalled stays quiet for an idle controller with an empty queue',
          series: [
            { series: `runnel_operator_last_reconcile_success_timestamp_seconds{${where}, controller="cluster"}`, values: '0x40' },
            { series: `runnel_operator_queue_depth{${where}, controller="cluster"}`, values: '0x40' },
          ],
          evalTime: '25m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelClusterBrokersNotReady',
      severity: 'warning',
      source: 'operator',
      for: '10m',
      expr: `${ready} < ${desired}`,
      signals: [ready, desired],
      summary: 'Cluster {{ $labels.cluster }} has fewer ready brokers than desired',
      description: 'Fewer broker pods are Ready than the Cluster asks for, for 10 minutes: pods are pending, crash-looping or failing their readiness probe. A pod that does not exist is never scraped, so this alert also covers what RunnelBrokerDown cannot see.',
      scenarios: [
        {
          name: 'RunnelClusterBrokersNotReady fires when a broker stays not ready',
          series: [
            { series: `runnel_operator_brokers_ready{${where}, cluster="events"}`, values: '3 2x20' },
            { series: `runnel_operator_brokers_desired{${where}, cluster="events"}`, values: '3x21' },
          ],
          evalTime: '15m',
          fires: [{ ...operatorPod, cluster: 'events' }],
        },
        {
          name: 'RunnelClusterBrokersNotReady stays quiet through a short rolling restart',
          series: [
            { series: `runnel_operator_brokers_ready{${where}, cluster="events"}`, values: '3 2 2 3x18' },
            { series: `runnel_operator_brokers_desired{${where}, cluster="events"}`, values: '3x21' },
          ],
          evalTime: '15m',
          fires: [],
        },
      ],
    },
  ];
}
