import type { RunnelError } from '@runnel/protocol';
import type { PartitionState } from '@runnel/metadata';
import type { TopicCounters } from '../broker-metrics.ts';
import { PartitionReplica, type ReplicaListener, type ReplicaRole } from '../partition-replica.ts';
import { leaderProduce } from './leader-produce.ts';
import type { NodeContext } from './node-context.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

/**
 * A {@link ReplicatedPartition} seen through the PartitionReplica shape the Log service handlers
 * use, so Produce/Fetch/Tail/ListOffsets serve replicated partitions unchanged: appends go through
 * the replication rules (minISR, idempotence, lease validity), the HW is the replicated one.
 */
export class ReplicaView extends PartitionReplica {
  readonly #p: ReplicatedPartition;
  readonly #ctx: NodeContext;

  constructor(ctx: NodeContext, p: ReplicatedPartition, counters: TopicCounters) {
    super({ brokerId: ctx.self.id, log: p.log, config: p.config, state: p.state, counters });
    this.#p = p;
    this.#ctx = ctx;
  }

  override get role(): ReplicaRole {
    return this.#p.role;
  }

  override get state(): PartitionState {
    return this.#p.state;
  }

  override get leaderEpoch(): number {
    return this.#p.state.leaderEpoch;
  }

  override get leaderId(): number {
    return this.#p.state.holder?.id ?? -1;
  }

  override get closed(): boolean {
    return this.#p.closed;
  }

  override get highWatermark(): number {
    return this.#p.log.highWatermark;
  }

  override applyState(): void {
    // The replication node owns the state.
  }

  override notLeaderError(): RunnelError | undefined {
    return this.#p.notLeaderError(this.#ctx.self.id);
  }

  override async append(records: Buffer, recordCount: number): Promise<{ baseOffset: number; lastOffset: number; logAppendTime: number }> {
    // Produce that arrives between the leadership CAS and the end of promotion waits for it (arrival order kept).
    if (this.#p.promotion !== undefined) await this.#p.promotion;
    // acks is not known here: acks=0/1 and acks=all alike are refused past the renew deadline (stricter than rule 2).
    const result = await leaderProduce(this.#ctx, this.#p, { topic: this.topic, partition: this.partition, records, acks: 'leader', timeoutMs: 0 });
    this.counters.bytesIn.inc(records.length);
    this.counters.recordsIn.inc(recordCount);
    return result;
  }

  override advanceHighWatermark(): void {
    // The HW moves only by the replication rules (rule 5).
  }

  override listen(listener: ReplicaListener): () => void {
    return this.#p.listen(listener);
  }

  override waitForHighWatermark(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#p.waitForHighWatermark(offset, timeoutMs, signal);
  }

  override close(): Promise<void> {
    return Promise.resolve(); // the node closes the log
  }
}
