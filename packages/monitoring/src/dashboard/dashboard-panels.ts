import type { MonitoringSelectors } from '../alerts/alert-rule.ts';

/** One PromQL query of a panel and its legend (Grafana's `{{ label }}` syntax). */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** One panel: a headline number (`stat`) or a graph (`timeseries`). */
export interface PanelSpec {
  readonly title: string;
  readonly kind: 'stat' | 'timeseries';
  /** Grafana unit id (`s`, `bytes`, `Bps`, `percentunit`, `short`, `ops`). */
  readonly unit: string;
  readonly description: string;
  readonly queries: readonly PanelQuery[];
  /** Stat panels: the value from which the number turns red. */
  readonly redFrom?: number;
}

/** A titled row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

const stat = (title: string, description: string, expr: string, unit = 'short', redFrom?: number): PanelSpec => ({
  title, kind: 'stat', unit, description, queries: [{ expr, legend: title }], ...(redFrom === undefined ? {} : { redFrom }),
});
const graph = (title: string, unit: string, description: string, ...queries: PanelQuery[]): PanelSpec => ({ title, kind: 'timeseries', unit, description, queries });
const q = (expr: string, legend: string): PanelQuery => ({ expr, legend });

/**
 * The panels of the Runnel dashboard, by row. Broker queries select the cluster through the
 * `namespace` and `cluster` variables (`runnel_cluster` on broker series, `cluster` on the
 * operator's per-cluster gauges); `$__rate_interval` is Grafana's rate window.
 */
export function dashboardRows(s: MonitoringSelectors): RowSpec[] {
  const b = `{${s.broker}, namespace=~"$namespace", runnel_cluster=~"$cluster"}`;
  const sel = (extra: string): string => `{${s.broker}, namespace=~"$namespace", runnel_cluster=~"$cluster", ${extra}}`;
  const o = `{${s.operator}}`;
  const oc = `{${s.operator}, cluster=~"$cluster"}`;
  const rate = (metric: string, selector = b): string => `rate(${metric}${selector}[$__rate_interval])`;
  const p = (quantile: number, buckets: string, by: string, selector = b): string => `histogram_quantile(${quantile}, sum by (${by}le) (${rate(buckets, selector)}))`;
  const produce = sel('rpc=~"Produce|ProduceStream"');
  return [
    {
      title: 'Cluster overview',
      panels: [
        stat('Brokers up', 'Broker pods Prometheus scrapes successfully.', `sum(up${b})`),
        stat('Partitions', 'Partitions with a leader (each counted once, by its leader).', `sum(runnel_broker_leader_partitions${b})`),
        stat('Under-replicated', 'Partitions whose ISR is smaller than their replica set.', `sum(runnel_broker_under_replicated_partitions${b})`, 'short', 1),
        stat('Under min ISR', 'Partitions that refuse produce: ISR below min.insync.replicas.', `sum(runnel_broker_under_min_isr_partitions${b})`, 'short', 1),
        stat('Offline', 'Partitions that cannot serve (no leader, or a log that failed to open), on the worst broker.', `max(runnel_broker_offline_partitions${b})`, 'short', 1),
        stat('Produce p99', 'Cluster-wide 99th percentile of Produce and ProduceStream.', p(0.99, 'runnel_broker_request_duration_seconds_bucket', '', produce), 's'),
        stat('Bytes in/s', 'Record batch bytes appended per second.', `sum(${rate('runnel_broker_bytes_in_total')})`, 'Bps'),
        stat('Bytes out/s', 'Record batch bytes sent to consumers per second.', `sum(${rate('runnel_broker_bytes_out_total')})`, 'Bps'),
      ],
    },
    {
      title: 'Throughput',
      panels: [
        graph('Bytes in by topic', 'Bps', 'Record batch bytes appended per second, by topic.', q(`sum by (topic) (${rate('runnel_broker_bytes_in_total')})`, '{{topic}}')),
        graph('Bytes out by topic', 'Bps', 'Record batch bytes sent by Fetch, FetchStream and Tail per second, by topic.', q(`sum by (topic) (${rate('runnel_broker_bytes_out_total')})`, '{{topic}}')),
        graph('Records in and out', 'short', 'Records appended and sent per second (from batch headers).',
          q(`sum(${rate('runnel_broker_records_in_total')})`, 'in'), q(`sum(${rate('runnel_broker_records_out_total')})`, 'out')),
        graph('Bytes in by broker', 'Bps', 'Load balance: bytes appended per second on each broker (leaders only).', q(`sum by (broker) (${rate('runnel_broker_bytes_in_total')})`, 'broker {{broker}}')),
      ],
    },
    {
      title: 'Latency',
      panels: [
        graph('Produce latency', 's', 'Produce and ProduceStream, receive to answer (acks=all includes replication), per broker.',
          q(p(0.99, 'runnel_broker_request_duration_seconds_bucket', 'broker, ', produce), 'p99 broker {{broker}}'),
          q(p(0.5, 'runnel_broker_request_duration_seconds_bucket', 'broker, ', produce), 'p50 broker {{broker}}')),
        graph('Fetch latency (without long-poll wait)', 's', 'Time to answer a Fetch once it stops waiting for data, per broker.',
          q(p(0.99, 'runnel_broker_fetch_serve_duration_seconds_bucket', 'broker, '), 'p99 broker {{broker}}'),
          q(p(0.5, 'runnel_broker_fetch_serve_duration_seconds_bucket', 'broker, '), 'p50 broker {{broker}}')),
        graph('fsync latency', 's', 'Group-commit fdatasync of partition logs, per broker.', q(p(0.99, 'runnel_broker_fsync_duration_seconds_bucket', 'broker, '), 'p99 broker {{broker}}')),
        graph('Requests by RPC', 'reqps', 'Requests answered per second, by RPC.', q(`sum by (rpc) (${rate('runnel_broker_request_duration_seconds_count')})`, '{{rpc}}')),
        graph('Errors by code', 'reqps', 'Errors answered per second, by RPC and error code.', q(`sum by (rpc, code) (${rate('runnel_broker_errors_total')})`, '{{rpc}} {{code}}')),
      ],
    },
    {
      title: 'Partition health',
      panels: [
        graph('Under-replicated, under and at min ISR', 'short', 'Partitions by ISR health, summed over their leaders.',
          q(`sum(runnel_broker_under_replicated_partitions${b})`, 'under-replicated'),
          q(`sum(runnel_broker_under_min_isr_partitions${b})`, 'under min ISR'),
          q(`sum(runnel_broker_at_min_isr_partitions${b})`, 'at min ISR')),
        graph('Offline partitions by broker', 'short', 'Partitions a broker hosts that cannot serve.', q(`max by (broker) (runnel_broker_offline_partitions${b})`, 'broker {{broker}}')),
        graph('Leaders by broker', 'short', 'Leadership balance: partitions each broker leads.', q(`sum by (broker) (runnel_broker_leader_partitions${b})`, 'broker {{broker}}')),
        graph('Replicas by broker', 'short', 'Partition replicas (leaders and followers) each broker hosts.', q(`sum by (broker) (runnel_broker_partitions${b})`, 'broker {{broker}}')),
      ],
    },
    {
      title: 'Disk',
      panels: [
        graph('Data directory free', 'percentunit', 'Share of the data directory\'s file system that is free, per broker.',
          q(`runnel_broker_data_dir_available_bytes${b} / runnel_broker_data_dir_capacity_bytes${b}`, 'broker {{broker}}')),
        graph('Free in 24 hours (linear forecast)', 'bytes', 'Free bytes predicted 24 hours ahead from the last 6 hours; below zero the disk fills within a day.',
          q(`predict_linear(runnel_broker_data_dir_available_bytes${b}[6h], 24 * 3600)`, 'broker {{broker}}')),
        graph('Log size by topic', 'bytes', 'Bytes on disk of all replicas of each topic.', q(`sum by (topic) (runnel_broker_log_size_bytes${b})`, '{{topic}}')),
        graph('fsyncs per second', 'ops', 'Group-commit flushes per second, per broker.', q(`sum by (broker) (${rate('runnel_broker_fsync_duration_seconds_count')})`, 'broker {{broker}}')),
      ],
    },
    {
      title: 'Replication and Lease writes',
      panels: [
        graph('ISR shrinks and expands', 'short', 'ISR changes committed per second by leaders.',
          q(`sum(${rate('runnel_broker_isr_shrinks_total')})`, 'shrinks'), q(`sum(${rate('runnel_broker_isr_expands_total')})`, 'expands')),
        graph('Replica lag (records)', 'short', 'Records between the longest replica of a partition and its shortest (worst 10).',
          q(`topk(10, max by (topic, partition) (runnel_broker_log_end_offset${b}) - min by (topic, partition) (runnel_broker_log_end_offset${b}))`, '{{topic}}-{{partition}}')),
        graph('Uncommitted records', 'short', 'Records led partitions hold above their high watermark (worst 10).',
          q(`topk(10, runnel_broker_uncommitted_records${b})`, '{{topic}}-{{partition}}')),
        graph('Lease writes by outcome', 'ops', 'Broker and partition Lease writes to the API server per second, by outcome.',
          q(`sum by (lease, outcome) (${rate('runnel_broker_lease_writes_total')})`, '{{lease}} {{outcome}}')),
        graph('Broker Lease renewal age', 's', 'Time since each broker\'s last acknowledged renewal, against its renew deadline.',
          q(`runnel_broker_lease_renewal_age_seconds${b}`, 'broker {{broker}}'), q(`max(runnel_broker_lease_renew_deadline_seconds${b})`, 'renew deadline')),
        graph('Failovers', 'short', 'Partitions taken over by failover, and the p99 time to take over.',
          q(`sum by (broker) (increase(runnel_broker_failovers_total${b}[$__rate_interval]))`, 'broker {{broker}}'),
          q(p(0.99, 'runnel_broker_failover_duration_seconds_bucket', ''), 'p99 duration (s)')),
      ],
    },
    {
      title: 'Consumer groups',
      panels: [
        graph('Consumer lag by group (records)', 'short', 'Records each group has not committed yet (high watermark − committed offset), summed over its partitions; exported by the group\'s coordinator.',
          q(`sum by (group) (runnel_broker_consumer_group_lag_records${b})`, '{{group}}')),
        graph('Consumer lag by group (seconds)', 's', 'Age of the oldest record each group has not committed yet, on its worst partition (0 when caught up).',
          q(`max by (group) (runnel_broker_consumer_group_lag_seconds${b})`, '{{group}}')),
        graph('Group members', 'short', 'Members of each group, as its coordinator counts them.', q(`sum by (group) (runnel_broker_consumer_group_members${b})`, '{{group}}')),
      ],
    },
    {
      title: 'Operator',
      panels: [
        graph('Reconciles by result', 'ops', 'Reconciles per second, by controller and result.', q(`sum by (controller, result) (${rate('runnel_operator_reconcile_total', o)})`, '{{controller}} {{result}}')),
        graph('Reconcile errors', 'ops', 'Failed reconciles per second, by controller.', q(`sum by (controller) (${rate('runnel_operator_reconcile_errors_total', o)})`, '{{controller}}')),
        graph('Reconcile duration p99', 's', '99th percentile of reconcile time, by controller.', q(p(0.99, 'runnel_operator_reconcile_duration_seconds_bucket', 'controller, ', o), '{{controller}}')),
        graph('Work queue depth', 'short', 'Items waiting in each controller\'s queue.', q(`sum by (controller) (runnel_operator_queue_depth${o})`, '{{controller}}')),
        graph('Since last successful reconcile', 's', 'Seconds since each controller last reconciled successfully.',
          q(`time() - max by (controller) (runnel_operator_last_reconcile_success_timestamp_seconds${o})`, '{{controller}}')),
        graph('Brokers desired and ready', 'short', 'Per Cluster: brokers asked for and broker pods Ready.',
          q(`sum by (cluster) (runnel_operator_brokers_desired${oc})`, '{{cluster}} desired'), q(`sum by (cluster) (runnel_operator_brokers_ready${oc})`, '{{cluster}} ready')),
        graph('Topics by condition', 'short', 'Topic resources by their Ready condition.', q(`sum by (condition) (runnel_operator_topics${o})`, '{{condition}}')),
      ],
    },
  ];
}
