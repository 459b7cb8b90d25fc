import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { GroupObserver } from './group-coordinator.ts';

/** One committed partition of a group this broker coordinates, with its lag. */
export interface GroupLagRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lagRecords: number;
  /** Seconds since the timestamp of the first record not yet consumed (the one at the committed offset); 0 when caught up; undefined when unknown. */
  readonly lagSeconds: number | undefined;
}

/** What the metrics read at scrape time. */
export interface GroupMetricsSource {
  /** Groups coordinated here, with their member count. */
  groups(): Array<{ groupId: string; members: number }>;
  /** Offsets partitions coordinated here. */
  readonly shardCount: number;
  /** Lag of every committed partition of the groups coordinated here (broker-side, so no exporter is needed). */
  lag(): Promise<GroupLagRow[]>;
}

/**
 * Consumer group metrics of a broker, exported by the coordinator of each group (so a cluster
 * sum counts each group once). Kafka has no broker-side lag; Runnel computes it at scrape time
 * from the committed offsets and the partitions' high watermarks.
 */
export class GroupMetrics {
  readonly #rebalances: Counter;
  readonly #expired: Counter;
  readonly #loadDuration: Histogram;
  #source: GroupMetricsSource | undefined;

  constructor(registry: Registry) {
    const registers = [registry];
    const source = (): GroupMetricsSource | undefined => this.#source;
    new Gauge({
      name: 'runnel_broker_consumer_group_lag_records',
      help: 'Per group and partition coordinated by this broker: records not yet consumed (high watermark − committed offset).',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        this.reset();
        const rows = (await source()?.lag()) ?? [];
        for (const r of rows) this.set({ group: r.group, topic: r.topic, partition: String(r.partition) }, r.lagRecords);
      },
    });
    new Gauge({
      name: 'runnel_broker_consumer_group_lag_seconds',
      help: 'Per group and partition coordinated by this broker: age of the first record not yet consumed (0 when caught up).',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        this.reset();
        const rows = (await source()?.lag()) ?? [];
        for (const r of rows) if (r.lagSeconds !== undefined) this.set({ group: r.group, topic: r.topic, partition: String(r.partition) }, r.lagSeconds);
      },
    });
    new Gauge({
      name: 'runnel_broker_consumer_group_members',
      help: 'Members of each consumer group coordinated by this broker.',
      labelNames: ['group'],
      registers,
      collect() {
        this.reset();
        for (const g of source()?.groups() ?? []) this.set({ group: g.groupId }, g.members);
      },
    });
    new Gauge({
      name: 'runnel_broker_consumer_groups',
      help: 'Consumer groups coordinated by this broker (coordinator load).',
      registers,
      collect() {
        this.set(source()?.groups().length ?? 0);
      },
    });
    new Gauge({
      name: 'runnel_broker_coordinator_partitions',
      help: 'Partitions of __consumer_offsets this broker leads and has loaded: it coordinates their groups.',
      registers,
      collect() {
        this.set(source()?.shardCount ?? 0);
      },
    });
    this.#rebalances = new Counter({ name: 'runnel_broker_consumer_group_rebalances_total', help: 'Group epoch bumps (a new target assignment was needed: a member joined or left, a subscription or a subscribed topic changed).', labelNames: ['group'], registers });
    this.#expired = new Counter({ name: 'runnel_broker_consumer_group_members_expired_total', help: 'Members removed by the coordinator, by reason: session-timeout or rebalance-timeout.', labelNames: ['reason'], registers });
    for (const reason of ['session-timeout', 'rebalance-timeout']) this.#expired.inc({ reason }, 0); // exported at 0 from the start
    this.#loadDuration = new Histogram({
      name: 'runnel_broker_coordinator_load_duration_seconds',
      help: 'Time a new coordinator took to replay an offsets partition before serving its groups.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
  }

  setSource(source: GroupMetricsSource): void {
    this.#source = source;
  }

  /** The coordinator's observer. */
  get observer(): GroupObserver {
    return {
      rebalance: (groupId) => this.#rebalances.inc({ group: groupId }),
      expired: (_groupId, reason) => this.#expired.inc({ reason }),
      loaded: (_partition, _groups, durationMs) => this.#loadDuration.observe(durationMs / 1000),
    };
  }
}
