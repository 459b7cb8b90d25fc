import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PartitionGaugeSource } from '../broker-metrics.ts';
import type { ReplicationObserver } from './replication-node-api.ts';

/**
 * Replication metrics of one broker (issue 4 item 7), fed by the replication node's observer and
 * the hosted partitions. Registered only on brokers that run replication.
 */
export class ReplicationMetrics {
  readonly observer: ReplicationObserver;

  constructor(registry: Registry, source: PartitionGaugeSource) {
    const registers = [registry];
    new Gauge({
      name: 'runnel_under_replicated_partitions', help: 'Partitions led here whose ISR is smaller than their replica set.', registers,
      collect() { let n = 0; for (const p of source.partitions()) if (p.isLeader && p.underReplicated) n++; this.set(n); },
    });
    new Gauge({
      name: 'runnel_offline_partitions', help: 'Hosted partitions without a leader.', registers,
      collect() { this.set(source.offlineCount); },
    });
    new Gauge({
      name: 'runnel_leader_count', help: 'Partitions this broker leads.', registers,
      collect() { let n = 0; for (const p of source.partitions()) if (p.isLeader) n++; this.set(n); },
    });
    new Gauge({
      name: 'runnel_replica_lag_records', help: 'Per led partition: records written by the leader but not yet committed (log end − high watermark).',
      labelNames: ['topic', 'partition'], registers,
      collect() {
        this.reset();
        for (const p of source.partitions()) if (p.isLeader) this.set({ topic: p.topic, partition: String(p.partition) }, p.logEndOffset - p.highWatermark);
      },
    });
    const shrinks = new Counter({ name: 'runnel_isr_shrinks_total', help: 'ISR shrinks committed by this broker as leader.', registers });
    const expands = new Counter({ name: 'runnel_isr_expands_total', help: 'ISR expansions committed by this broker as leader.', registers });
    const leaseWrites = new Counter({ name: 'runnel_lease_writes_total', help: 'Lease writes by this broker: its broker Lease (acquire, renew, release) and partition Leases (ISR changes, failovers, handovers).', registers });
    const leaseConflicts = new Counter({ name: 'runnel_lease_conflicts_total', help: 'Lease writes by this broker (broker and partition Leases) that got a conflict (409).', registers });
    const failovers = new Counter({ name: 'runnel_failovers_total', help: 'Partitions this broker took over by failover (DESIGN.md §6 rule 8).', registers });
    const failoverDuration = new Histogram({
      name: 'runnel_failover_duration_seconds', help: 'From first judging the leader dead to winning the partition Lease CAS.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers,
    });
    this.observer = {
      isrChange: (o) => (o.kind === 'shrink' ? shrinks : expands).inc(),
      leaseWrite: (o) => {
        leaseWrites.inc();
        if (o.conflict) leaseConflicts.inc();
      },
      failover: (o) => {
        failovers.inc();
        failoverDuration.observe(o.durationMs / 1000);
      },
    };
  }
}
