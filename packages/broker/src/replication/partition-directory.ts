import { RunnelError } from '@runnel/protocol';
import { batchStats } from '../batch-stats.ts';
import { partitionGauge, type PartitionGauge, type PartitionGaugeSource } from '../broker-metrics.ts';
import { existingTopicPartition } from '../topic-partition-check.ts';
import { leaderProduce } from './leader-produce.ts';
import type { NodeContext } from './node-context.ts';
import type { NodeFetchRequest, NodeFetchResult, NodeProduceRequest, NodeProduceResult } from './replication-node-api.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';

const EMPTY = Buffer.alloc(0);

/**
 * The one partition directory of a broker: every client request for a partition (the Log and
 * Admin handlers, the replication tests and the simulation) finds it here, and produces and reads
 * through {@link produce} and {@link fetch}. A partition with RF=1 is a replicated partition with
 * one replica; there is no other path.
 */
export class PartitionDirectory implements PartitionGaugeSource {
  readonly #ctx: NodeContext;
  readonly #offlineListeners = new Set<() => void>();

  constructor(ctx: NodeContext) {
    this.#ctx = ctx;
  }

  /** The local replica of a partition, if open (for waiters and DescribeTopics). */
  get(topic: string, partition: number): ReplicatedPartition | undefined {
    return this.#ctx.partitions.get(`${topic}-${partition}`);
  }

  /** Whether a log of this name (`<topic>-<partition>`) is hosted here. */
  hosts(name: string): boolean {
    return this.#ctx.partitions.has(name);
  }

  /** The STORAGE_ERROR of a hosted partition whose log could not be opened (of the current topic incarnation), else undefined. */
  offlineError(topic: string, partition: number): RunnelError | undefined {
    const offline = this.#ctx.offline.get(`${topic}-${partition}`);
    if (offline === undefined || offline.topicId !== this.#ctx.topics.get(topic)?.topicId) return undefined;
    return offline.error;
  }

  /** Registers a listener called when a partition here goes offline; returns the unsubscribe function. */
  onOffline(listener: () => void): () => void {
    this.#offlineListeners.add(listener);
    return () => this.#offlineListeners.delete(listener);
  }

  /** Called by the node after it marked a partition offline. */
  notifyOffline(): void {
    for (const l of [...this.#offlineListeners]) l();
  }

  /**
   * The one leader lookup: the partition this broker leads for `topic`/`partition`, or the error to
   * answer — INVALID_TOPIC_NAME, UNKNOWN_TOPIC, UNKNOWN_PARTITION, STORAGE_ERROR (its log could not
   * be opened here), NOT_LEADER (with the leader as hint when known) or LEADER_NOT_AVAILABLE. A
   * partition between winning its election and serving as leader is returned (produce waits for
   * the promotion). Does not check the broker Lease: reads do ({@link leaderForRead}), writes by acks.
   */
  leaderFor(topic: string, partition: number): ReplicatedPartition | RunnelError {
    const ctx = this.#ctx;
    const definition = existingTopicPartition(ctx.topics.get(topic), topic, partition);
    if (definition instanceof RunnelError) return definition;
    const name = `${topic}-${partition}`;
    const offline = ctx.offline.get(name);
    if (offline !== undefined && offline.topicId === definition.topicId) return offline.error;
    const p = ctx.partitions.get(name);
    if (p === undefined || p.topicId !== definition.topicId) {
      const known = ctx.leaders.get(name);
      const leader = known !== undefined && known.topicId === definition.topicId ? known.leader : -1;
      if (leader >= 0 && leader !== ctx.self.id) {
        return new RunnelError('NOT_LEADER', `Broker ${ctx.self.id} does not lead partition ${name}; broker ${leader} does`, { leaderHint: leader });
      }
      return new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${name} has no leader available yet`);
    }
    if (p.promotion !== undefined) return p;
    return p.notLeaderError(ctx.self.id) ?? p;
  }

  /** {@link leaderFor}, and BROKER_NOT_AVAILABLE past the broker Lease's renew deadline (rule 2: no stale reads). */
  leaderForRead(topic: string, partition: number): ReplicatedPartition | RunnelError {
    const p = this.leaderFor(topic, partition);
    if (p instanceof RunnelError) return p;
    if (!this.#ctx.lease.valid) return new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${this.#ctx.self.id} serves no reads of ${p.name} while its broker Lease renewal is overdue`);
    return p;
  }

  /**
   * The one produce entry. Looks the leader up, then validates the batches once and appends them
   * (leader-produce.ts), waiting as `acks` says. The append is issued synchronously within this
   * call unless a promotion is in progress (then after it, still in arrival order), so calls made
   * in arrival order keep per-partition order. Errors after the lookup name the partition
   * ("Cannot append to <topic>-<partition>: ...").
   */
  produce(request: NodeProduceRequest, signal?: AbortSignal): Promise<NodeProduceResult> {
    const p = this.leaderFor(request.topic, request.partition);
    if (p instanceof RunnelError) return Promise.reject(p);
    const run = (): Promise<NodeProduceResult> => leaderProduce(this.#ctx, p, request, signal);
    const result = p.promotion === undefined ? run() : p.promotion.then(run);
    return result.catch((err: unknown) => Promise.reject(inPartition(p.name, 'Cannot append to', err) as Error));
  }

  /**
   * The one fetch entry: reads committed data (up to the HW) of a partition this broker leads.
   * Checks the leader epoch (KIP-320: older ⇒ FENCED_LEADER_EPOCH, newer ⇒ UNKNOWN_LEADER_EPOCH)
   * and the offset (OFFSET_OUT_OF_RANGE outside log start..log end). Returns at least one whole
   * batch when any is committed at `offset`, even past `maxBytes`, unless `strict` (then nothing
   * when the first batch does not fit). Never rejects: a partition problem is in `error`, with the
   * log's positions when the partition is served here.
   */
  async fetch(request: NodeFetchRequest): Promise<NodeFetchResult> {
    const none: NodeFetchResult = { records: EMPTY, highWatermark: -1, logStartOffset: -1, logEndOffset: -1 };
    const p = this.leaderForRead(request.topic, request.partition);
    if (p instanceof RunnelError) return { ...none, error: p };
    const log = p.log;
    const hw = log.highWatermark;
    const state: NodeFetchResult = { records: EMPTY, highWatermark: hw, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset };
    const problem = checkLeaderEpoch(p, this.#ctx.self.id, request.currentLeaderEpoch ?? -1) ?? checkOffsetInRange(p, request.offset);
    if (problem !== undefined) return { ...state, error: problem };
    if (request.offset >= hw || (request.strict === true && request.maxBytes <= 0)) return state;
    try {
      const { records } = await log.read(request.offset, { maxBytes: Math.max(1, request.maxBytes), maxOffset: hw, ...(request.allocate === undefined ? {} : { allocate: request.allocate }) });
      if (records.length === 0) {
        // Committed offsets must be readable; answering empty would stall the consumer (and spin a tail) silently.
        throw new RunnelError('STORAGE_ERROR', `Cannot read offset ${request.offset} of ${p.name}: the log returned no batch below the high watermark ${hw}`);
      }
      if (request.strict === true && records.length > request.maxBytes) return state;
      const counters = this.#ctx.counters(p.topic);
      if (counters !== undefined) {
        counters.bytesOut.inc(records.length);
        counters.recordsOut.inc(batchStats(records).recordCount);
      }
      return { ...state, records };
    } catch (err) {
      return { ...state, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /**
   * Partitions whose log maintenance this broker runs: every open replica. Leaders apply retention
   * ({@link ReplicatedPartition.decidesRetention}); followers follow the leader's log start through
   * ReplicaFetch; every replica compacts its own log below its HW.
   */
  *maintained(): Iterable<ReplicatedPartition> {
    for (const p of this.#ctx.partitions.values()) if (!p.closed) yield p;
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

/** Checks a fetch's leader epoch (KIP-320); -1 skips the check. */
function checkLeaderEpoch(p: ReplicatedPartition, selfId: number, requested: number): RunnelError | undefined {
  const current = p.state.leaderEpoch;
  if (requested < 0 || requested === current) return undefined;
  if (requested < current) {
    return new RunnelError('FENCED_LEADER_EPOCH', `Fetch from ${p.name} at leader epoch ${requested} is fenced: the current leader epoch is ${current}`, { leaderHint: selfId });
  }
  return new RunnelError('UNKNOWN_LEADER_EPOCH', `Fetch from ${p.name} at leader epoch ${requested}: this broker knows only epoch ${current} so far`);
}

/** The OFFSET_OUT_OF_RANGE error for `offset`, or undefined when the log holds it (or it is the log end). */
function checkOffsetInRange(p: ReplicatedPartition, offset: number): RunnelError | undefined {
  const { logStartOffset, logEndOffset } = p.log;
  if (Number.isSafeInteger(offset) && offset >= logStartOffset && offset <= logEndOffset) return undefined;
  return new RunnelError('OFFSET_OUT_OF_RANGE', `Offset ${offset} is out of range for ${p.name}: the log holds offsets ${logStartOffset}..${logEndOffset - 1} (log end ${logEndOffset})`);
}

/** Re-labels an error with the partition it concerns, keeping its code and leader hint. */
export function inPartition(name: string, action: string, err: unknown): unknown {
  if (err instanceof RunnelError) return new RunnelError(err.code, `${action} ${name}: ${err.message}`, { cause: err, ...(err.leaderHint === undefined ? {} : { leaderHint: err.leaderHint }) });
  return err;
}
