import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ReplicationMetrics } from './replication/replication-metrics.ts';
import type { ReplicationObserver } from './replication/replication-node-api.ts';

/** What the per-partition gauges read at scrape time (never on the hot path). */
export interface PartitionGaugeSource {
  /** Hosted partitions whose log could not be opened. */
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
    readonly sizeBytes: number;
    readonly logStartOffset: number;
    readonly logEndOffset: number;
    readonly highWatermark: number;
  };

/**
 * The gauge of a hosted replica, for either mode (the RF=1 registry's replicas and the replication
 * node's partitions have the same role, state and log).
 */
export function partitionGauge(r: {
  readonly topic: string;
  readonly partition: number;
  readonly role: 'leader' | 'follower';
  readonly state: { readonly isr: readonly unknown[]; readonly replicas: readonly unknown[] };
  readonly log: { readonly sizeBytes: number; readonly logStartOffset: number; readonly logEndOffset: number; readonly highWatermark: number };
}): PartitionGauge {
  return {
    topic: r.topic,
    partition: r.partition,
    isLeader: r.role === 'leader',
    underReplicated: r.state.isr.length < r.state.replicas.length,
    sizeBytes: r.log.sizeBytes,
    logStartOffset: r.log.logStartOffset,
    logEndOffset: r.log.logEndOffset,
    highWatermark: r.log.highWatermark,
  };
}

/** The RPCs timed by `runnel_broker_request_duration_seconds`. */
export type RpcName = 'Metadata' | 'Produce' | 'ProduceStream' | 'Fetch' | 'Tail' | 'ListOffsets'
  | 'DescribeCluster' | 'CreateTopics' | 'DeleteTopics' | 'DescribeTopics' | 'InitProducerId';

/** Per-topic counter children, cached by the partition so the hot path does no label lookup. */
export interface TopicCounters {
  readonly bytesIn: Counter.Internal;
  readonly recordsIn: Counter.Internal;
  readonly bytesOut: Counter.Internal;
  readonly recordsOut: Counter.Internal;
}

/**
 * The broker's Prometheus metrics (DESIGN.md §8), in a registry of its own so several brokers can
 * share a process (local mode). Counters are incremented per request partition, never per record;
 * log gauges are computed at scrape time from {@link PartitionGaugeSource}.
 */
export class BrokerMetrics {
  /** The registry served on `/metrics`. */
  readonly registry = new Registry();
  readonly #bytesIn: Counter;
  readonly #recordsIn: Counter;
  readonly #bytesOut: Counter;
  readonly #recordsOut: Counter;
  readonly #requestDuration: Histogram;
  readonly #errors: Counter;
  /** fdatasync latency of partition logs, fed by the storage engine's flush hook. */
  readonly fsyncDuration: Histogram;
  readonly #source: PartitionGaugeSource;
  #replication: ReplicationMetrics | undefined;

  constructor(options: { brokerId: number; source: PartitionGaugeSource; defaultMetrics?: boolean }) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ broker: String(options.brokerId) });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.#bytesIn = new Counter({ name: 'runnel_broker_bytes_in_total', help: 'Record batch bytes appended by produce requests.', labelNames: ['topic'], registers });
    this.#recordsIn = new Counter({ name: 'runnel_broker_records_in_total', help: 'Records appended (from batch headers).', labelNames: ['topic'], registers });
    this.#bytesOut = new Counter({ name: 'runnel_broker_bytes_out_total', help: 'Record batch bytes sent by Fetch and Tail.', labelNames: ['topic'], registers });
    this.#recordsOut = new Counter({ name: 'runnel_broker_records_out_total', help: 'Records sent by Fetch and Tail (from batch headers).', labelNames: ['topic'], registers });
    this.#requestDuration = new Histogram({
      name: 'runnel_broker_request_duration_seconds',
      help: 'Time from receiving a request to answering it, by RPC (Fetch includes its long-poll wait).',
      labelNames: ['rpc'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
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
    this.#source = source;
    new Gauge({
      name: 'runnel_broker_partitions', help: 'Partitions hosted by this broker.', registers,
      collect() { let n = 0; for (const _ of source.partitions()) n++; this.set(n); },
    });
    new Gauge({
      name: 'runnel_broker_leader_partitions', help: 'Partitions this broker leads.', registers,
      collect() { let n = 0; for (const p of source.partitions()) if (p.isLeader) n++; this.set(n); },
    });
    new Gauge({
      name: 'runnel_broker_offline_partitions', help: 'Hosted partitions whose log could not be opened (see the broker log).', registers,
      collect() { this.set(source.offlineCount); },
    });
    new Gauge({
      name: 'runnel_broker_under_replicated_partitions', help: 'Led partitions whose ISR is smaller than their replica set.', registers,
      collect() { let n = 0; for (const p of source.partitions()) if (p.isLeader && p.underReplicated) n++; this.set(n); },
    });
    const perPartition = (name: string, help: string, read: (p: ReturnType<PartitionGaugeSource['partitions']> extends Iterable<infer P> ? P : never) => number): void => {
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
    perPartition('runnel_broker_high_watermark', 'High watermark (committed end) of a partition.', (p) => p.highWatermark);
  }

  /** The replication metrics (registered on first call), as the replication node's observer. */
  replicationObserver(): ReplicationObserver {
    this.#replication ??= new ReplicationMetrics(this.registry, this.#source);
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

  /** Counts an error answered by `rpc`. */
  countError(rpc: RpcName, code: string): void {
    this.#errors.inc({ rpc, code });
  }
}
