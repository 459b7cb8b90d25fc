import { RunnelError } from '@runnel/protocol';
import type { PartitionState } from '@runnel/metadata';
import type { LogConfig, PartitionLog } from '@runnel/storage';
import type { TopicCounters } from './broker-metrics.ts';

/** A replica's role, from the partition state record (the partition Lease in issue 4). */
export type ReplicaRole = 'leader' | 'follower';

/** Called when the high watermark moves or the replica changes role or closes. */
export type ReplicaListener = () => void;

/**
 * This broker's replica of one partition: its log, its role and leader epoch, and the high
 * watermark with the waiters that long-poll on it.
 *
 * Invariants: only a leader appends with offset assignment, stamping its `leaderEpoch`; the high
 * watermark never decreases (a follower may lag, not rewind); every append that resolved counted
 * towards the HW in call order, since storage assigns offsets in call order.
 */
export class PartitionReplica {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  /** `<topic>-<partition>`, for messages. */
  readonly name: string;
  readonly log: PartitionLog;
  readonly config: LogConfig;
  readonly counters: TopicCounters;
  #role: ReplicaRole;
  #state: PartitionState;
  #closed = false;
  #pendingAppends = 0;
  #appendsDrained: (() => void) | undefined;
  readonly #listeners = new Set<ReplicaListener>();
  readonly #brokerId: number;

  constructor(options: { brokerId: number; log: PartitionLog; config: LogConfig; state: PartitionState; counters: TopicCounters }) {
    this.#brokerId = options.brokerId;
    this.topic = options.state.topic;
    this.partition = options.state.partition;
    this.topicId = options.state.topicId;
    this.name = `${this.topic}-${this.partition}`;
    this.log = options.log;
    this.config = options.config;
    this.counters = options.counters;
    this.#state = options.state;
    this.#role = this.#roleFor(options.state);
  }

  get role(): ReplicaRole {
    return this.#role;
  }

  get state(): PartitionState {
    return this.#state;
  }

  get leaderEpoch(): number {
    return this.#state.leaderEpoch;
  }

  /** The leader's broker id, or -1 when there is none. */
  get leaderId(): number {
    return this.#state.holder?.id ?? -1;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Applies a newer partition state (role, epoch, ISR) and wakes waiters so they re-check. */
  applyState(state: PartitionState): void {
    this.#state = state;
    this.#role = this.#roleFor(state);
    this.#notify();
  }

  #roleFor(state: PartitionState): ReplicaRole {
    return state.holder?.id === this.#brokerId ? 'leader' : 'follower';
  }

  /** The error for a client request that needs the leader, or undefined when this replica leads. */
  notLeaderError(): RunnelError | undefined {
    if (this.#closed) return new RunnelError('NOT_LEADER', `Partition ${this.name} is closing on this broker`, { leaderHint: -1 });
    if (this.#role === 'leader') return undefined;
    const leader = this.leaderId;
    if (leader < 0) return new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${this.name} has no leader at the moment`);
    return new RunnelError('NOT_LEADER', `Broker ${this.#brokerId} does not lead partition ${this.name}; broker ${leader} does`, { leaderHint: leader });
  }

  /**
   * Appends validated batches as leader: storage stamps offsets and this replica's leader epoch.
   * Must be called synchronously in request order (no await before it) so that per-partition
   * order equals arrival order. Resolves once durable per the topic's durability mode.
   */
  async append(records: Buffer, recordCount: number): Promise<{ baseOffset: number; lastOffset: number; logAppendTime: number }> {
    const notLeader = this.notLeaderError();
    if (notLeader !== undefined) throw notLeader;
    this.#pendingAppends++;
    try {
      const result = await this.log.append(records, { leaderEpoch: this.#state.leaderEpoch, assignOffsets: true });
      this.counters.bytesIn.inc(records.length);
      this.counters.recordsIn.inc(recordCount);
      this.advanceHighWatermark();
      return result;
    } finally {
      if (--this.#pendingAppends === 0 && this.#appendsDrained !== undefined) this.#appendsDrained();
    }
  }

  /**
   * Moves the HW to what is committed. With RF=1 that is the leader's own log: its flushed offset
   * in `fsync` durability (only synced data counts, §6 rule 4), its log end in `replicated` mode.
   * Replication (issue 4) replaces this with the minimum over the maximal ISR.
   */
  advanceHighWatermark(): void {
    if (this.#role !== 'leader') return;
    const committed = this.config.durability === 'fsync' ? this.log.flushedOffset : this.log.logEndOffset;
    if (committed > this.log.highWatermark) {
      this.log.highWatermark = committed;
      this.#notify();
    }
  }

  /** Registers a listener for HW moves, role changes and close; returns the unsubscribe function. */
  listen(listener: ReplicaListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * Resolves once the HW is past `offset`, or rejects with REQUEST_TIMED_OUT after `timeoutMs`,
   * or with NOT_LEADER when leadership is lost meanwhile.
   */
  waitForHighWatermark(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.log.highWatermark > offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        unlisten();
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => done(new RunnelError('CANCELLED', `Waiting for the high watermark of ${this.name} was cancelled`));
      const timer = setTimeout(() => {
        done(new RunnelError('REQUEST_TIMED_OUT', `Offset ${offset} of ${this.name} was not committed within ${timeoutMs} ms (high watermark ${this.log.highWatermark})`));
      }, timeoutMs);
      const unlisten = this.listen(() => {
        if (this.log.highWatermark > offset) done();
        else {
          const err = this.notLeaderError();
          if (err !== undefined) done(err);
        }
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops taking appends, waits for those in flight, flushes and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#notify();
    if (this.#pendingAppends > 0) {
      await new Promise<void>((resolve) => {
        this.#appendsDrained = resolve;
      });
    }
    this.advanceHighWatermark();
    await this.log.flush();
    await this.log.close();
  }
}
