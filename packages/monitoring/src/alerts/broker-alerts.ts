import { CLUSTER_LABELS, type AlertRule, type MonitoringSelectors } from './alert-rule.ts';

/** Labels of the synthetic broker series in the promtool scenarios. */
const where = 'job="runnel-broker", namespace="prod", runnel_cluster="events"';
const cluster = { namespace: 'prod', runnel_cluster: 'events' };
const broker0 = { job: 'runnel-broker', ...cluster, broker: '0' };

/** A partition-count gauge summed (or maxed) per cluster and alerted on above zero. */
function partitionCountAlert(s: MonitoringSelectors, o: {
  alert: string; metric: string; by: 'sum' | 'max'; severity: AlertRule['severity']; for: string; summary: string; description: string;
}): AlertRule {
  const signal = `${o.by} by (${CLUSTER_LABELS}) (${o.metric}{${s.broker}})`;
  return {
    alert: o.alert,
    severity: o.severity,
    source: 'broker',
    for: o.for,
    expr: `${signal} > 0`,
    signals: [signal],
    summary: o.summary,
    description: o.description,
    scenarios: [
      {
        name: `${o.alert} fires once partitions stay affected for ${o.for}`,
        series: [
          { series: `${o.metric}{${where}, broker="0"}`, values: '0 0 2x30' },
          { series: `${o.metric}{${where}, broker="1"}`, values: '0x32' },
        ],
        evalTime: '20m',
        fires: [cluster],
      },
      {
        name: `${o.alert} stays quiet for a blip shorter than ${o.for}`,
        series: [{ series: `${o.metric}{${where}, broker="0"}`, values: '0x10 1 0x10' }],
        evalTime: '11m',
        fires: [],
      },
    ],
  };
}

/** p99 of a latency histogram per broker over 5 minutes, alerted on above `thresholdSeconds`. */
function latencyAlert(s: MonitoringSelectors, o: { alert: string; buckets: string; extra: string; testLabels: string; thresholdSeconds: number; summary: string; description: string }): AlertRule {
  const selector = o.extra === '' ? `{${s.broker}}` : `{${s.broker}, ${o.extra}}`;
  const p99 = `histogram_quantile(0.99, sum by (${CLUSTER_LABELS}, broker, le) (rate(${o.buckets}${selector}[5m])))`;
  const bucketSeries = (le: string, values: string): { series: string; values: string } => ({ series: `${o.buckets}{${where}, broker="0"${o.testLabels}, le="${le}"}`, values });
  return {
    alert: o.alert,
    severity: 'warning',
    source: 'broker',
    for: '10m',
    expr: `${p99} > ${o.thresholdSeconds}`,
    signals: [p99],
    summary: o.summary,
    description: o.description,
    scenarios: [
      {
        name: `${o.alert} fires when the p99 stays above ${o.thresholdSeconds} s`,
        // Every request lands between 0.25 s and 0.5 s.
        series: [bucketSeries('0.1', '0x30'), bucketSeries('0.25', '0x30'), bucketSeries('0.5', '0+10x30'), bucketSeries('+Inf', '0+10x30')],
        evalTime: '20m',
        fires: [{ ...cluster, broker: '0' }],
      },
      {
        name: `${o.alert} stays quiet while requests are fast`,
        series: [bucketSeries('0.1', '0+10x30'), bucketSeries('0.25', '0+10x30'), bucketSeries('0.5', '0+10x30'), bucketSeries('+Inf', '0+10x30')],
        evalTime: '20m',
        fires: [],
      },
    ],
  };
}

/** The alerts on broker series (`runnel_broker_*` and the broker scrape's `up`). */
export function brokerAlerts(s: MonitoringSelectors): AlertRule[] {
  const available = `runnel_broker_data_dir_available_bytes{${s.broker}}`;
  const freeRatio = `${available} / runnel_broker_data_dir_capacity_bytes{${s.broker}}`;
  const filling = `predict_linear(${available}[6h], 24 * 3600)`;
  const renewalAge = `runnel_broker_lease_renewal_age_seconds{${s.broker}}`;
  const renewDeadline = `runnel_broker_lease_renew_deadline_seconds{${s.broker}}`;
  const failedWrites = `sum by (${CLUSTER_LABELS}, broker) (rate(runnel_broker_lease_writes_total{${s.broker}, outcome="failed"}[5m]))`;
  const allWrites = `sum by (${CLUSTER_LABELS}, broker) (rate(runnel_broker_lease_writes_total{${s.broker}}[5m]))`;
  const groupLagSeconds = `max by (${CLUSTER_LABELS}, group) (runnel_broker_consumer_group_lag_seconds{${s.broker}})`;
  const lagSeries = (group: string, partition: string, values: string): { series: string; values: string } => ({
    series: `runnel_broker_consumer_group_lag_seconds{${where}, broker="0", group="${group}", topic="orders", partition="${partition}"}`,
    values,
  });
  const disk = (values: string, capacity = '1000x200'): Array<{ series: string; values: string }> => [
    { series: `runnel_broker_data_dir_available_bytes{${where}, broker="0"}`, values },
    { series: `runnel_broker_data_dir_capacity_bytes{${where}, broker="0"}`, values: capacity },
  ];
  return [
    partitionCountAlert(s, {
      alert: 'RunnelUnderReplicatedPartitions', metric: 'runnel_broker_under_replicated_partitions', by: 'sum', severity: 'warning', for: '5m',
      summary: '{{ $labels.runnel_cluster }} in {{ $labels.namespace }} has under-replicated partitions',
      description: 'Some partitions have fewer in-sync replicas than replicas: a follower is down or behind. Writes still succeed while the ISR holds min.insync.replicas, but fewer failures can now be tolerated.',
    }),
    partitionCountAlert(s, {
      alert: 'RunnelUnderMinIsrPartitions', metric: 'runnel_broker_under_min_isr_partitions', by: 'sum', severity: 'critical', for: '1m',
      summary: '{{ $labels.runnel_cluster }} in {{ $labels.namespace }} refuses produce to partitions below min.insync.replicas',
      description: 'Some partitions have fewer in-sync replicas than min.insync.replicas: produce to them is refused with NOT_ENOUGH_REPLICAS until followers catch up.',
    }),
    partitionCountAlert(s, {
      alert: 'RunnelOfflinePartitions', metric: 'runnel_broker_offline_partitions', by: 'max', severity: 'critical', for: '1m',
      summary: '{{ $labels.runnel_cluster }} in {{ $labels.namespace }} has offline partitions',
      description: 'Some partitions cannot serve at all: they have no leader, or a broker could not open their log. Produce and fetch to them fail.',
    }),
    {
      alert: 'RunnelBrokerDown',
      severity: 'critical',
      source: 'broker',
      for: '2m',
      expr: `up{${s.broker}} == 0`,
      signals: [`up{${s.broker}}`],
      summary: 'Broker {{ $labels.instance }} of {{ $labels.runnel_cluster }} in {{ $labels.namespace }} is down',
      description: 'Prometheus cannot scrape this broker\'s /metrics: the process is down, hung or unreachable. Its partitions fail over to other ISR members; those with no other ISR member go offline.',
      scenarios: [
        {
          name: 'RunnelBrokerDown fires when a broker stays unscrapeable',
          series: [
            { series: `up{${where}, instance="10.0.0.1:9090"}`, values: '1 1 0x10' },
            { series: `up{${where}, instance="10.0.0.2:9090"}`, values: '1x12' },
          ],
          evalTime: '6m',
          fires: [{ job: 'runnel-broker', ...cluster, instance: '10.0.0.1:9090' }],
        },
        {
          name: 'RunnelBrokerDown stays quiet for one missed scrape',
          series: [{ series: `up{${where}, instance="10.0.0.1:9090"}`, values: '1 1 0 1x10' }],
          evalTime: '4m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelBrokerDiskFillingUp',
      severity: 'warning',
      source: 'broker',
      for: '1h',
      expr: `(${freeRatio} < 0.25) and (${filling} < 0)`,
      signals: [freeRatio, filling],
      summary: 'Broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} in {{ $labels.namespace }} will run out of disk within a day',
      description: 'Less than 25 % of the data directory\'s file system is free, and at the rate of the last 6 hours it fills within 24 hours. A full disk fails every append on this broker.',
      scenarios: [
        {
          name: 'RunnelBrokerDiskFillingUp fires when free space is low and falling',
          series: disk('300-2x200'),
          evalTime: '100m',
          fires: [broker0],
        },
        {
          name: 'RunnelBrokerDiskFillingUp stays quiet while low free space is steady',
          series: disk('200x200'),
          evalTime: '100m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelBrokerDiskAlmostFull',
      severity: 'critical',
      source: 'broker',
      for: '5m',
      expr: `${freeRatio} < 0.05`,
      signals: [freeRatio],
      summary: 'Broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} in {{ $labels.namespace }} has less than 5 % disk free',
      description: 'The data directory\'s file system is almost full. When it fills, appends fail with a storage error and the broker\'s partitions stop taking writes.',
      scenarios: [
        { name: 'RunnelBrokerDiskAlmostFull fires below 5 % free', series: disk('40x20'), evalTime: '10m', fires: [broker0] },
        { name: 'RunnelBrokerDiskAlmostFull stays quiet at 10 % free', series: disk('100x20'), evalTime: '10m', fires: [] },
      ],
    },
    latencyAlert(s, {
      alert: 'RunnelProduceLatencyHigh', buckets: 'runnel_broker_request_duration_seconds_bucket', extra: 'rpc=~"Produce|ProduceStream"', testLabels: ', rpc="Produce"', thresholdSeconds: 0.25,
      summary: 'Produce p99 on broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} is above 250 ms',
      description: 'The 99th percentile of Produce and ProduceStream requests on this broker has stayed above 250 ms for 10 minutes (acks=all includes replication to the ISR).',
    }),
    latencyAlert(s, {
      alert: 'RunnelFetchLatencyHigh', buckets: 'runnel_broker_fetch_serve_duration_seconds_bucket', extra: '', testLabels: '', thresholdSeconds: 0.25,
      summary: 'Fetch p99 on broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} is above 250 ms',
      description: 'The 99th percentile of the time to answer a Fetch, without its long-poll wait for new data, has stayed above 250 ms for 10 minutes: reads from disk or the event loop are slow.',
    }),
    {
      alert: 'RunnelBrokerLeaseRenewalOverdue',
      severity: 'critical',
      source: 'broker',
      for: '1m',
      expr: `${renewalAge} > ${renewDeadline}`,
      signals: [renewalAge, renewDeadline],
      summary: 'Broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} cannot renew its broker Lease',
      description: 'The broker\'s last acknowledged broker Lease renewal is older than its renew deadline, so it serves nothing: it cannot reach the Kubernetes API server, or its writes fail. Leaders elsewhere will judge it dead and take over its partitions.',
      scenarios: [
        {
          name: 'RunnelBrokerLeaseRenewalOverdue fires while renewals stay older than the deadline',
          series: [
            { series: `runnel_broker_lease_renewal_age_seconds{${where}, broker="0"}`, values: '1 0+60x10' },
            { series: `runnel_broker_lease_renew_deadline_seconds{${where}, broker="0"}`, values: '6x11' },
          ],
          evalTime: '5m',
          fires: [broker0],
        },
        {
          name: 'RunnelBrokerLeaseRenewalOverdue stays quiet while renewals succeed every few seconds',
          series: [
            { series: `runnel_broker_lease_renewal_age_seconds{${where}, broker="0"}`, values: '1 2 1 2 1 2 1 2 1 2' },
            { series: `runnel_broker_lease_renew_deadline_seconds{${where}, broker="0"}`, values: '6x10' },
          ],
          evalTime: '9m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelLeaseWritesFailing',
      severity: 'warning',
      source: 'broker',
      for: '10m',
      expr: `${failedWrites} / ${allWrites} > 0.1`,
      signals: [failedWrites, allWrites],
      summary: 'More than 10 % of Lease writes by broker {{ $labels.broker }} of {{ $labels.runnel_cluster }} fail',
      description: 'Writes of broker and partition Leases to the Kubernetes API server fail (timeouts, 5xx, 429 throttling) for more than a tenth of attempts. Renewals may soon be overdue, and ISR changes and failovers are delayed.',
      scenarios: [
        {
          name: 'RunnelLeaseWritesFailing fires when a quarter of writes fail',
          series: [
            { series: `runnel_broker_lease_writes_total{${where}, broker="0", lease="broker", outcome="ok"}`, values: '0+30x30' },
            { series: `runnel_broker_lease_writes_total{${where}, broker="0", lease="broker", outcome="failed"}`, values: '0+10x30' },
            { series: `runnel_broker_lease_writes_total{${where}, broker="0", lease="partition", outcome="conflict"}`, values: '0x30' },
          ],
          evalTime: '25m',
          fires: [{ ...cluster, broker: '0' }],
        },
        {
          name: 'RunnelLeaseWritesFailing stays quiet for a rare failure',
          series: [
            { series: `runnel_broker_lease_writes_total{${where}, broker="0", lease="broker", outcome="ok"}`, values: '0+30x30' },
            { series: `runnel_broker_lease_writes_total{${where}, broker="0", lease="broker", outcome="failed"}`, values: '0+1x30' },
          ],
          evalTime: '25m',
          fires: [],
        },
      ],
    },
    {
      alert: 'RunnelConsumerGroupLagHigh',
      severity: 'warning',
      source: 'broker',
      for: '10m',
      expr: `${groupLagSeconds} > 300`,
      signals: [groupLagSeconds],
      summary: 'Consumer group {{ $labels.group }} of {{ $labels.runnel_cluster }} in {{ $labels.namespace }} is more than 5 minutes behind',
      description: 'On some partition the oldest record the group has not committed is more than 5 minutes old, and has been for 10 minutes: its consumers are stopped, too slow or stuck. Records it has not read yet may reach retention and be deleted unread.',
      scenarios: [
        {
          name: 'RunnelConsumerGroupLagHigh fires when a group falls further behind for 10 minutes',
          // orders-app stops consuming partition 1: the age of its oldest unconsumed record grows a minute a minute.
          series: [lagSeries('orders-app', '0', '0x30'), lagSeries('orders-app', '1', '0+60x30'), lagSeries('billing', '0', '0x30')],
          evalTime: '20m',
          fires: [{ ...cluster, group: 'orders-app' }],
        },
        {
          name: 'RunnelConsumerGroupLagHigh stays quiet for a lag that clears within 10 minutes',
          // A consumer restart: lag reaches 6 minutes, then the group catches up.
          series: [lagSeries('orders-app', '0', '0 60 120 180 240 300 360 420 0x20')],
          evalTime: '20m',
          fires: [],
        },
      ],
    },
  ];
}
