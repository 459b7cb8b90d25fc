import type { StatsFs } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { ReplicationMetrics } from './replication/replication-metrics.ts';
import type { ReplicationObserver } from './replication/replication-node-api.ts';

/** What the per-partition gauges read at scrape time (never on the hot path). */
export interface PartitionGaugeSource {
  /** Hosted partitions that cannot serve: the log could not be opened, or (replicated) no leader. */
  readonly offlineCount: number;
  /** Hosted partitions with their current log state. */
  partitions(): Iterable<PartitionGauge>;
}

/** One hosted partition's state, as the log gauges report it. */
export type PartitionGauge = {
    readonly topic: string;
    readonly partition: number;
    readonly isLeader: boolean;
    readonly underReplicated: boolean;
    /** ISR size compared with `min.insync.replicas`. */
    readonly minIsr: 'under' | 'at' | 'above';
    readonly sizeBytes: number;
    readonly logStartOffset: number;
    readonly logEndOffset: number;
    readonly highWatermark: number;
  };

/**
 * The gauge of a hosted replica (a replicated partition of the partition directory: its role,
 * state and log).
 */
export function partitionGauge(r: {
  readonly topic: string;
  readonly partition: number;
  readonly role: 'leader' | 'follower';
  /** `min.insync.replicas`; a single-replica partition has 1. */
  readonly minIsr?: number;
  readonly state: { readonly isr: readonly unknown[]; readonly replicas: readonly unknown[] };
  readonly log: { readonly sizeBytes: number; readonly logStartOffset: number; readonly logEndOffset: number; readonly highWatermark: number };
}): PartitionGauge {
  const isr = r.state.isr.length;
  const minIsr = r.minIsr ?? 1;
  return {
    topic: r.topic,
    partition: r.partition,
    isLeader: r.role === 'leader',
    underReplicated: isr < r.state.replicas.length,
    minIsr: isr < minIsr ? 'under' : isr === minIsr ? 'at' : 'above',
    sizeBytes: r.log.sizeBytes,
    logStartOffset: r.log.logStartOffset,
    logEndOffset: r.log.logEndOffset,
    highWatermark: r.log.highWatermark,
  };
}

/** The RPCs timed by `runnel_broker_request_duration_seconds`. */
export type RpcName = 'Metadata' | 'Produce' | 'ProduceStream' | 'Fetch' | 'FetchStream' | 'Tail' | 'ListOffsets'
  | 'DescribeCluster' | 'CreateTopics' | 'DeleteTopics' | 'DescribeTopics' | 'DeleteRecords' | 'InitProducerId'
  | 'FindCoordinator' | 'Heartbeat' | 'OffsetCommit' | 'OffsetFetch' | 'ListGroups' | 'DescribeGroups' | 'DeleteGroups' | 'ResetOffsets';

/** Per-topic counter children, cached by the partition so the hot path does no label lookup. */
export interface TopicCounters {
  readonly bytesIn: Counter.Internal;
  readonly recordsIn: Counter.Internal;
  readonly bytesOut: Counter.Internal;
  readonly recordsOut: Counter.Internal;
}

/** Options of {@link BrokerMetrics}. */
export interface BrokerMetricsOptions {
  readonly brokerId: number;
  readonly source: PartitionGaugeSource;
  /** Register prom-client's Node.js process metrics. @default true */
  readonly defaultMetrics?: boolean;
  /** The data directory, whose file system's free and total bytes are exported. Omitted: not exported. */
  readonly dataDir?: string;
}

/**
 * prom-client's Node.js process metrics, collected once per process and registered in every
 * broker's registry (they describe the process, whichever broker is scraped). Collecting them per
 * broker leaked each stopped broker: their GC PerformanceObserver and event-loop-delay monitor are
 * never removed, and the GC histogram holds its registry, hence every gauge's source, hence the
 * broker's partitions and logs (~2 MB and a set of open files per restart in `runnel bench soak`).
 */
let nodeProcessMetrics: Registry | undefined;
function processMetrics(): Registry {
  if (nodeProcessMetrics === undefined) {
    nodeProcessMetrics = new Registry();
    collectDefaultMetrics({ register: nodeProcessMetrics });
  }
  return nodeProcessMetrics;
}

/** Latency buckets of the request histograms (seconds). */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The broker's Prometheus metrics (DESIGN.md §8), in a registry of its own so several brokers can
 * share a process (local mode). Every name is `runnel_broker_*` (the operator's are
 * `runnel_operator_*`), and each is exported once, in both modes; the table in the package README
 * lists them and a test keeps it in step. Counters are incremented per request partition, never per
 * record; partition and disk gauges are computed at scrape time from {@link PartitionGaugeSource}.
 */
export class BrokerMetrics {
  /** The registry served on `/metrics`. */
  readonly registry = new Registry();
  readonly #bytesIn: Counter;
  readonly #recordsIn: Counter;
  readonly #bytesOut: Counter;
  readonly #recordsOut: Counter;
  readonly #requestDuration: Histogram;
  readonly #fetchServeDuration: Histogram;
  readonly #errors: Counter;
  /** fdatasync latency of partition logs, fed by the storage engine's flush hook. */
  readonly fsyncDuration: Histogram;
  #replication: ReplicationMetrics | undefined;

  constructor(options: BrokerMetricsOptions) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ broker: String(options.brokerId) });
    // getMetricsAsArray() returns the metric instances; prom-client's types call them MetricObject.
    if (options.defaultMetrics ?? true) for (const metric of processMetrics().getMetricsAsArray()) this.registry.registerMetric(metric as unknown as Metric);
    this.#bytesIn = new Counter({ name: 'runnel_broker_bytes_in_total', help: 'Record batch bytes appended by produce requests.', labelNames: ['topic'], registers });
    this.#recordsIn = new Counter({ name: 'runnel_broker_records_in_total', help: 'Records appended (from batch headers).', labelNames: ['topic'], registers });
    this.#bytesOut = new Counter({ name: 'runnel_broker_bytes_out_total', help: 'Record batch bytes sent by Fetch, FetchStream and Tail.', labelNames: ['topic'], registers });
    this.#recordsOut = new Counter({ name: 'runnel_broker_records_out_total', help: 'Records sent by Fetch, FetchStream and Tail (from batch headers).', labelNames: ['topic'], registers });
    this.#requestDuration = new Histogram({
      name: 'runnel_broker_request_duration_seconds',
      help: 'Time from receiving a request to answering it, by RPC (Fetch and each FetchStream request include the long-poll wait; acks=all Produce includes replication).',
      labelNames: ['rpc'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#fetchServeDuration = new Histogram({
      name: 'runnel_broker_fetch_serve_duration_seconds',
      help: 'Time to answer a Fetch without its long-poll wait for new data: reading the partitions and building the answer.',
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#errors = new Counter({ name: 'runnel_broker_errors_total', help: 'Errors answered, per RPC and error code (per partition or per request).', labelNames: ['rpc', 'code'], registers });
    this.fsyncDuration = new Histogram({
      name: 'runnel_broker_fsync_duration_seconds',
      help: 'Duration of partition log flushes (group-commit fdatasync).',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    const source = options.source;
    const count = (name: string, help: string, counted: (p: PartitionGauge) => boolean): void => {
      new Gauge({
        name, help, registers,
        collect() { let n = 0; for (const p of source.partitions()) if (counted(p)) n++; this.set(n); },
      });
    };
    count('runnel_broker_partitions', 'Partition replicas hosted by this broker (leaders and followers).', () => true);
    count('runnel_broker_leader_partitions', 'Partitions this broker leads.', (p) => p.isLeader);
    count('runnel_broker_under_replicated_partitions', 'Partitions led by this broker whose ISR is smaller than their replica set.', (p) => p.isLeader && p.underReplicated);
    count('runnel_broker_under_min_isr_partitions', 'Partitions led by this broker whose ISR is smaller than min.insync.replicas: produce to them is refused.', (p) => p.isLeader && p.minIsr === 'under');
    count('runnel_broker_at_min_isr_partitions', 'Partitions led by this broker whose ISR equals min.insync.replicas: one more replica lost refuses produce.', (p) => p.isLeader && p.minIsr === 'at');
    new Gauge({
      name: 'runnel_broker_offline_partitions',
      help: 'Hosted partitions that cannot serve: their log could not be opened here (see the broker log), or, with replication, they have no leader. Each hosting broker counts a leaderless partition.',
      registers,
      collect() { this.set(source.offlineCount); },
    });
    const perPartition = (name: string, help: string, read: (p: PartitionGauge) => number): void => {
      new Gauge({
        name, help, labelNames: ['topic', 'partition'], registers,
        collect() {
          this.reset();
          for (const p of source.partitions()) this.set({ topic: p.topic, partition: String(p.partition) }, read(p));
        },
      });
    };
    perPartition('runnel_broker_log_size_bytes', 'Bytes on disk of a partition log.', (p) => p.sizeBytes);
    perPartition('runnel_broker_log_start_offset', 'First offset held by a partition log.', (p) => p.logStartOffset);
    perPartition('runnel_broker_log_end_offset', 'Next offset to be written to a partition log.', (p) => p.logEndOffset);
    perPartition('runnel_broker_high_watermark', 'High watermark (committed end) of a partition on this replica.', (p) => p.highWatermark);
    new Gauge({
      name: 'runnel_broker_uncommitted_records',
      help: 'Per partition led by this broker: records written but not yet committed (log end − high watermark); it grows while the ISR falls behind.',
      labelNames: ['topic', 'partition'], registers,
      collect() {
        this.reset();
        for (const p of source.partitions()) if (p.isLeader) this.set({ topic: p.topic, partition: String(p.partition) }, p.logEndOffset - p.highWatermark);
      },
    });
    const dataDir = options.dataDir;
    if (dataDir !== undefined) {
      // statfs at scrape time: what a PVC's kubelet volume stats would show, from inside the broker.
      const disk = (name: string, help: string, read: (s: StatsFs) => number): void => {
        new Gauge({
          name, help, registers,
          async collect() {
            const stats = await statfs(dataDir);
            this.set(read(stats));
          },
        });
      };
      disk('runnel_broker_data_dir_available_bytes', 'Bytes available to the broker on the file system of its data directory.', (s) => s.bavail * s.bsize);
      disk('runnel_broker_data_dir_capacity_bytes', 'Total bytes of the file system of the data directory.', (s) => s.blocks * s.bsize);
    }
  }

  /** The replication metrics (registered on first call), as the replication node's observer. */
  replicationObserver(timing: { readonly renewDeadlineMs: number }): ReplicationObserver {
    this.#replication ??= new ReplicationMetrics(this.registry, timing);
    return this.#replication.observer;
  }

  /** Counter children for one topic; callers keep them to avoid label lookups per request. */
  topicCounters(topic: string): TopicCounters {
    return {
      bytesIn: this.#bytesIn.labels(topic),
      recordsIn: this.#recordsIn.labels(topic),
      bytesOut: this.#bytesOut.labels(topic),
      recordsOut: this.#recordsOut.labels(topic),
    };
  }

  /** Drops a deleted topic's series. */
  forgetTopic(topic: string): void {
    for (const c of [this.#bytesIn, this.#recordsIn, this.#bytesOut, this.#recordsOut]) c.remove(topic);
  }

  /** A timer for one request; call the result with nothing when the request is answered. */
  startTimer(rpc: RpcName): () => void {
    return this.#requestDuration.startTimer({ rpc }) as () => void;
  }

  /** Records the part of one Fetch that was not its long-poll wait. */
  observeFetchServe(seconds: number): void {
    this.#fetchServeDuration.observe(seconds);
  }

  /** Counts an error answered by `rpc`. */
  countError(rpc: RpcName, code: string): void {
    this.#errors.inc({ rpc, code });
  }
}
