import { RunnelError } from '@runnel/protocol';
import type { ReplicaDirectory } from '../broker-context.ts';
import { partitionGauge, type BrokerMetrics, type PartitionGauge, type PartitionGaugeSource } from '../broker-metrics.ts';
import type { PartitionReplica } from '../partition-replica.ts';
import type { NodeContext } from './node-context.ts';
import { ReplicaView } from './replica-view.ts';
import { existingTopicPartition } from '../topic-partition-check.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

/** The replication node's partitions as the Log/Admin handlers and the metrics see them. */
export class ReplicatedDirectory implements ReplicaDirectory, PartitionGaugeSource {
  readonly #ctx: NodeContext;
  readonly #metrics: BrokerMetrics;
  readonly #views = new WeakMap<ReplicatedPartition, ReplicaView>();

  constructor(ctx: NodeContext, metrics: BrokerMetrics) {
    this.#ctx = ctx;
    this.#metrics = metrics;
  }

  #view(p: ReplicatedPartition): ReplicaView {
    let v = this.#views.get(p);
    if (v === undefined) {
      v = new ReplicaView(this.#ctx, p, this.#metrics.topicCounters(p.topic));
      this.#views.set(p, v);
    }
    return v;
  }

  get(topic: string, partition: number): PartitionReplica | undefined {
    const p = this.#ctx.partitions.get(`${topic}-${partition}`);
    return p === undefined ? undefined : this.#view(p);
  }

  leaderFor(topic: string, partition: number): PartitionReplica | RunnelError {
    const definition = existingTopicPartition(this.#ctx.topics.get(topic), topic, partition);
    if (definition instanceof RunnelError) return definition;
    const offline = this.#ctx.offline.get(`${topic}-${partition}`);
    if (offline !== undefined && offline.topicId === definition.topicId) return offline.error as RunnelError;
    const p = this.#ctx.partitions.get(`${topic}-${partition}`);
    if (p === undefined || p.topicId !== definition.topicId) {
      return new RunnelError('NOT_LEADER', `Broker ${this.#ctx.self.id} hosts no replica of ${topic}-${partition}`, { leaderHint: -1 });
    }
    const err = p.promotion === undefined ? p.notLeaderError(this.#ctx.self.id) : undefined;
    if (err !== undefined) return err;
    if (!this.#ctx.lease.valid) return new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${this.#ctx.self.id} serves nothing for ${p.name} while its broker Lease renewal is overdue`);
    return this.#view(p);
  }

  /** Whether a log of this name (`<topic>-<partition>`) is hosted here. */
  hosts(name: string): boolean {
    return this.#ctx.partitions.has(name);
  }

  get offlineCount(): number {
    // Hosted partitions without a leader, plus those whose log could not be opened here.
    let offline = this.#ctx.offline.size;
    for (const p of this.#ctx.partitions.values()) if (p.state.holder === null) offline++;
    return offline;
  }

  *partitions(): Iterable<PartitionGauge> {
    for (const p of this.#ctx.partitions.values()) yield partitionGauge(p);
  }
}
