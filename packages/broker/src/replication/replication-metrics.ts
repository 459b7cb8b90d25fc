import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReplicationObserver } from './replication-node-api.ts';

/**
 * Replication metrics of one broker (`runnel_broker_*`, like the rest), fed by the replication
 * node's observer. Registered only on brokers that run replication; the partition gauges both modes
 * share (leaders, under-replicated, offline) are in `BrokerMetrics`.
 */
export class ReplicationMetrics {
  readonly observer: ReplicationObserver;

  constructor(registry: Registry, timing: { readonly renewDeadlineMs: number }) {
    const registers = [registry];
    const shrinks = new Counter({ name: 'runnel_broker_isr_shrinks_total', help: 'ISR shrinks committed by this broker as leader.', registers });
    const expands = new Counter({ name: 'runnel_broker_isr_expands_total', help: 'ISR expansions committed by this broker as leader.', registers });
    const leaseWrites = new Counter({
      name: 'runnel_broker_lease_writes_total',
      help: 'Lease writes sent by this broker, by Lease (broker: acquire, renew, release; partition: ISR changes, failovers, handovers) and outcome (ok, conflict = 409, failed = any other error or an unknown outcome).',
      labelNames: ['lease', 'outcome'],
      registers,
    });
    // Monotonic: the age must not jump with the wall clock. Until the first renewal it counts from start.
    let lastRenewal = performance.now();
    new Gauge({
      name: 'runnel_broker_lease_renewal_age_seconds',
      help: 'Seconds since this broker\'s last acknowledged broker Lease write (acquire or renewal), or since it started. Past the renew deadline the broker serves nothing.',
      registers,
      collect() { this.set((performance.now() - lastRenewal) / 1000); },
    });
    new Gauge({
      name: 'runnel_broker_lease_renew_deadline_seconds',
      help: 'The renew deadline (RD): a broker whose last successful renewal is older stops serving produce and reads.',
      registers,
      collect() { this.set(timing.renewDeadlineMs / 1000); },
    });
    const failovers = new Counter({ name: 'runnel_broker_failovers_total', help: 'Partitions this broker took over after their leader was judged dead (its broker Lease expired; docs/architecture.md, Replication and leadership on Leases).', registers });
    const failoverDuration = new Histogram({
      name: 'runnel_broker_failover_duration_seconds', help: 'From first judging the leader dead to winning the partition Lease CAS.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32], registers,
    });
    // Every label pair exists from the start, so rate() and ratios see zeros rather than no series.
    for (const lease of ['broker', 'partition']) for (const outcome of ['ok', 'conflict', 'failed']) leaseWrites.inc({ lease, outcome }, 0);
    this.observer = {
      isrChange: (o) => (o.kind === 'shrink' ? shrinks : expands).inc(),
      leaseWrite: (o) => {
        leaseWrites.inc({ lease: o.lease, outcome: o.outcome });
        if (o.lease === 'broker' && o.outcome === 'ok') lastRenewal = performance.now();
      },
      failover: (o) => {
        failovers.inc();
        failoverDuration.observe(o.durationMs / 1000);
      },
    };
  }
}
