import { RunnelError, batchSizeAt, readBatchHeader } from '@runnel/protocol';
import type { PartitionState, ReplicaIdentity, Versioned } from '@runnel/metadata';
import type { LogConfig, PartitionLog } from '@runnel/storage';
import type { Clock } from './clock.ts';
import { batchHeaders, ProducerStateTable } from './producer-state.ts';

/** The reason a finished wait cancels its timer with: nobody reads it, and a given reason spares creating a DOMException per wait. */
const SETTLED = new Error('settled');

/** What the leader knows of one follower, learned ONLY from its fetch requests (H4). */
interface FollowerPosition {
  brokerEpoch: number;
  /** Its log end as sent in its last fetch of the current leader epoch. */
  position: number;
  lastFetchAt: number;
  lastCaughtUpAt: number;
  leoAtLastFetch: number;
  /** Its log start as sent in its last fetch (for the low watermark of DeleteRecords). */
  logStartOffset: number;
}

/** Identity of this broker incarnation. */
export interface Self {
  readonly id: number;
  readonly brokerEpoch: number;
}

/**
 * One partition replica under replication (DESIGN.md §6 rules 3–6, 9, 11): the log, the partition
 * Lease state as last seen, the role, and on the leader the follower positions, the maximal ISR and
 * the high watermark.
 *
 * Invariants: the HW never decreases except by truncation; as leader it is the minimum log end
 * over the maximal ISR (committed ∪ proposed), advanced only while |ISR| ≥ minISR; follower
 * positions count only for the incarnation that fetched in the current leader epoch.
 */
export class ReplicatedPartition {
  readonly name: string;
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly log: PartitionLog;
  /** The topic's log config; changed live by {@link reconfigure}. */
  config: LogConfig;
  /** The topic's min.insync.replicas; changed live by {@link reconfigure}. */
  minIsr: number;
  readonly producers: ProducerStateTable;
  #versioned: Versioned<PartitionState>;
  #role: 'leader' | 'follower' = 'follower';
  readonly #self: Self;
  readonly #clock: Clock;
  readonly #followers = new Map<number, FollowerPosition>();
  /** The ISR of a CAS in flight or of unknown outcome: its members count for the HW (H2). */
  proposedIsr: readonly ReplicaIdentity[] | undefined;
  /** When this replica last became leader (on its clock). */
  leaderSince = 0;
  /** Bumped to drop late fetch responses (failover, role change, truncation). */
  fetchGeneration = 0;
  /** False while a failover or truncation is in progress: the fetcher skips the partition. */
  fetching = true;
  /** Set between winning the leadership CAS and serving as leader (epoch entry, producer state). */
  promotion: Promise<void> | undefined;
  /** True while a handover is in progress: produce is refused (rule 10). */
  handingOver = false;
  /** When the current leader was first judged dead (failover rank wait), or undefined. */
  leaderDeadSince: number | undefined;
  readonly #listeners = new Set<() => void>();
  #lane: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Leader appends not settled yet; the log is closed only after them. */
  readonly #appends = new Set<Promise<unknown>>();

  constructor(options: { self: Self; clock: Clock; log: PartitionLog; config: LogConfig; minIsr: number; state: Versioned<PartitionState> }) {
    const s = options.state.value;
    this.#self = options.self;
    this.#clock = options.clock;
    this.topic = s.topic;
    this.partition = s.partition;
    this.topicId = s.topicId;
    this.name = `${s.topic}-${s.partition}`;
    this.log = options.log;
    this.config = options.config;
    this.minIsr = options.minIsr;
    this.producers = new ProducerStateTable(this.name, () => this.log.logStartOffset);
    this.#versioned = options.state;
  }

  get state(): PartitionState {
    return this.#versioned.value;
  }

  get versioned(): Versioned<PartitionState> {
    return this.#versioned;
  }

  get role(): 'leader' | 'follower' {
    return this.#role;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether log maintenance applies retention here: only the leader does; followers follow its log start. */
  get decidesRetention(): boolean {
    return this.#role === 'leader';
  }

  /** Whether `state` names this incarnation as holder. */
  isHolder(state: PartitionState = this.state): boolean {
    return state.holder?.id === this.#self.id && state.holder.brokerEpoch === this.#self.brokerEpoch;
  }

  /**
   * Applies a state read from the store if it is not older than the one held (a watch event may
   * arrive after a fresher GET). Returns 'stepped-down' when this replica stopped leading (rule 9).
   */
  applyState(next: Versioned<PartitionState>): 'unchanged' | 'applied' | 'stepped-down' {
    const cur = this.#versioned.value;
    const n = next.value;
    if (n.topicId !== this.topicId) return 'unchanged';
    if (n.leaderEpoch < cur.leaderEpoch || (n.leaderEpoch === cur.leaderEpoch && n.partitionEpoch < cur.partitionEpoch)) return 'unchanged';
    if (next.resourceVersion === this.#versioned.resourceVersion) return 'unchanged';
    const epochChanged = n.leaderEpoch !== cur.leaderEpoch;
    this.#versioned = next;
    let result: 'applied' | 'stepped-down' = 'applied';
    if (this.#role === 'leader' && !this.isHolder(n)) {
      this.#role = 'follower';
      result = 'stepped-down';
    }
    if (epochChanged) {
      this.#followers.clear();
      this.fetchGeneration++;
      this.leaderDeadSince = undefined;
    }
    this.#notify();
    return result;
  }

  /** Becomes leader of the epoch just won (the caller persisted the epoch entry and rebuilt producer state). */
  becomeLeader(state: Versioned<PartitionState>): void {
    this.#versioned = state;
    this.#role = 'leader';
    this.#followers.clear();
    this.proposedIsr = undefined;
    this.leaderSince = this.#clock.now();
    this.fetchGeneration++;
    this.#notify();
  }

  /** Runs `fn` after every earlier call on this partition (appends from the fetcher, failover, truncation). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#lane.then(fn, fn);
    this.#lane = run.catch(() => undefined);
    return run;
  }

  /** Members of the maximal ISR: committed ∪ proposed (H2). */
  maximalIsr(): ReplicaIdentity[] {
    const all = [...this.state.isr, ...(this.proposedIsr ?? [])];
    const seen = new Set<string>();
    return all.filter((m) => {
      const key = `${m.id}/${m.brokerEpoch}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }

  /** This leader's own position: only flushed data counts in fsync durability (rule 4). */
  #ownPosition(): number {
    return this.config.durability === 'fsync' ? this.log.flushedOffset : this.log.logEndOffset;
  }

  /**
   * Rule 5: HW = min position over the maximal ISR, only while the committed |ISR| ≥ minISR and
   * this incarnation holds the epoch; never decreases. Returns the new HW when it moved.
   */
  advanceHighWatermark(): number | undefined {
    if (this.#role !== 'leader' || this.#closed || !this.isHolder()) return undefined;
    if (this.state.isr.length < this.minIsr) return undefined;
    let hw = this.#ownPosition();
    for (const m of this.maximalIsr()) {
      if (m.id === this.#self.id) {
        if (m.brokerEpoch !== this.#self.brokerEpoch) return undefined;
        continue;
      }
      const f = this.#followers.get(m.id);
      if (f === undefined || f.brokerEpoch !== m.brokerEpoch) return undefined;
      hw = Math.min(hw, f.position);
    }
    hw = Math.min(hw, this.log.logEndOffset);
    if (hw <= this.log.highWatermark) return undefined;
    this.log.highWatermark = hw;
    this.#notify();
    return hw;
  }

  /**
   * Applies changed topic configs live, with no restart: the log takes the new config for its next
   * append, roll, retention or compaction pass, and the new min.insync.replicas decides the next
   * produce and HW advance (a lowered one may commit waiting appends at once).
   */
  reconfigure(config: LogConfig, minIsr: number): void {
    this.config = config;
    this.minIsr = minIsr;
    this.log.updateConfig(config);
    this.advanceHighWatermark();
    this.#notify();
  }

  /**
   * Records a follower's fetch position (the only source of it) and its log start. A log start
   * first heard of in this epoch, or moved up, wakes waiters (DeleteRecords waits for the low
   * watermark); nothing else here does, or two followers' long polls would wake each other
   * without end.
   */
  recordFetch(replicaId: number, brokerEpoch: number, fetchOffset: number, logStartOffset = -1): void {
    const now = this.#clock.now();
    const leo = this.log.logEndOffset;
    let f = this.#followers.get(replicaId);
    if (f === undefined || f.brokerEpoch !== brokerEpoch) {
      f = { brokerEpoch, position: fetchOffset, lastFetchAt: now, lastCaughtUpAt: -Infinity, leoAtLastFetch: leo, logStartOffset };
      this.#followers.set(replicaId, f);
      if (logStartOffset >= 0) this.#notify();
    } else if (logStartOffset > f.logStartOffset) {
      f.logStartOffset = logStartOffset;
      this.#notify();
    }
    if (fetchOffset >= leo) f.lastCaughtUpAt = now;
    else if (fetchOffset >= f.leoAtLastFetch) f.lastCaughtUpAt = Math.max(f.lastCaughtUpAt, f.lastFetchAt);
    f.position = fetchOffset;
    f.lastFetchAt = now;
    f.leoAtLastFetch = leo;
  }

  /**
   * As leader: the smallest log start over this replica and every other member of the ISR, as each
   * last reported it in this epoch (Kafka's low watermark); -1 while a member has not reported.
   */
  lowWatermark(): number {
    let low = this.log.logStartOffset;
    for (const m of this.state.isr) {
      if (m.id === this.#self.id) continue;
      const f = this.#followers.get(m.id);
      if (f === undefined || f.brokerEpoch !== m.brokerEpoch || f.logStartOffset < 0) return -1;
      low = Math.min(low, f.logStartOffset);
    }
    return low;
  }

  /**
   * Resolves with the low watermark once it reaches `offset`. Rejects REQUEST_TIMED_OUT after
   * `timeoutMs`, or when this replica stops leading first (an unknown outcome: the records are
   * deleted here, and the next leader may or may not have followed).
   */
  waitForLowWatermark(offset: number, timeoutMs: number): Promise<number> {
    const reached = this.lowWatermark();
    if (reached >= offset) return Promise.resolve(reached);
    return new Promise((resolve, reject) => {
      const timer = new AbortController();
      const done = (result: number | RunnelError): void => {
        unlisten();
        timer.abort(SETTLED);
        if (typeof result === 'number') resolve(result);
        else reject(result);
      };
      this.#clock.sleep(timeoutMs, timer.signal).then(() => {
        const behind = this.state.isr.filter((m) => m.id !== this.#self.id && (this.#followers.get(m.id)?.logStartOffset ?? -1) < offset).map((m) => m.id);
        done(new RunnelError('REQUEST_TIMED_OUT', `Records of ${this.name} below ${offset} are deleted on the leader, but in-sync follower(s) ${behind.join(',')} did not report a log start at or past it within ${timeoutMs} ms; they follow it on their next fetches`));
      }, () => undefined);
      const unlisten = this.listen(() => {
        // Not NOT_LEADER: this log start already moved, and the next leader may be this replica or
        // a follower that followed it, so whether the records are gone is unknown (as for acks=all).
        if (this.#role !== 'leader' || this.#closed) done(new RunnelError('REQUEST_TIMED_OUT', `Records of ${this.name} below ${offset} were deleted on broker ${this.#self.id}, but it stopped leading before its in-sync followers reported the same; whether the next leader deleted them is unknown (DeleteRecords is safe to retry)`, { leaderHint: this.state.holder?.id ?? -1 }));
        else {
          const low = this.lowWatermark();
          if (low >= offset) done(low);
        }
      });
    });
  }

  /** The follower's position and incarnation as last fetched in this epoch. */
  follower(replicaId: number): Readonly<FollowerPosition> | undefined {
    return this.#followers.get(replicaId);
  }

  /** ISR members (other than this leader) to drop: lagging past `lagMaxMs`, or a stale incarnation (rule 6). */
  laggingMembers(lagMaxMs: number): ReplicaIdentity[] {
    const now = this.#clock.now();
    return this.state.isr.filter((m) => {
      if (m.id === this.#self.id) return false;
      const f = this.#followers.get(m.id);
      if (f === undefined) return now - this.leaderSince > lagMaxMs;
      if (f.brokerEpoch !== m.brokerEpoch) return true;
      return now - Math.max(f.lastCaughtUpAt, this.leaderSince) > lagMaxMs;
    });
  }

  /**
   * Appends batches copied from the leader (rule 3): new epoch-cache entries are persisted
   * BEFORE the records are appended, then the batches go in with their offsets and epochs. An
   * entry whose records could not be appended is removed again: left behind, it would claim the
   * epoch for whatever the log holds next at that offset, and hide a divergence from the leader.
   */
  async appendFromLeader(records: Buffer): Promise<void> {
    // One response may span epochs (a follower catching up across failovers): append it run by run,
    // each run of one epoch after its epoch-cache entry is on disk, so the cache never runs ahead of the log.
    for (const run of epochRuns(records)) {
      const newEpoch = run.epoch > this.log.leaderEpochs.latestEpoch;
      if (newEpoch) await this.log.leaderEpochs.assign(run.epoch, run.baseOffset);
      try {
        await this.log.append(run.records, { leaderEpoch: this.state.leaderEpoch, assignOffsets: false });
      } catch (err) {
        if (newEpoch) await this.log.leaderEpochs.truncateFromEnd(run.baseOffset);
        throw err;
      }
      for (const h of batchHeaders(run.records)) this.producers.apply(h);
      this.#notify();
    }
  }

  /** Truncates to `offset` (divergence) and rebuilds the producer state from what is left. */
  async truncateTo(offset: number): Promise<void> {
    if (offset >= this.log.logEndOffset) {
      // Nothing to cut, but an epoch that starts at the log end without records (a leadership that
      // appended nothing) must go, or the next fetch would report it again and diverge forever.
      await this.log.leaderEpochs.truncateFromEnd(offset);
      return;
    }
    await this.log.truncateTo(offset);
    await this.producers.rebuild(this.log);
    this.#notify();
  }

  /**
   * This follower's log end fell below the leader's log start (the leader deleted what it would
   * fetch next): empties the log and restarts it at `offset` (Kafka's truncateFullyAndStartAt).
   */
  async restartAt(offset: number): Promise<void> {
    await this.log.truncateFullyAndStartAt(offset);
    await this.producers.rebuild(this.log);
    this.#notify();
  }

  /**
   * Follows the leader's log start (Kafka's maybeIncrementLogStartOffset on a follower), capped at
   * this replica's HW: whole segments below it go. Returns the segments deleted.
   */
  async followLogStart(leaderLogStart: number): Promise<number> {
    if (leaderLogStart <= this.log.logStartOffset) return 0;
    const { deletedSegments } = await this.log.advanceLogStartOffset(leaderLogStart);
    return deletedSegments;
  }

  /** Copies the leader's HW (capped at the local log end); returns it when it moved. */
  followHighWatermark(leaderHw: number): number | undefined {
    const hw = Math.min(leaderHw, this.log.logEndOffset);
    if (hw <= this.log.highWatermark) return undefined;
    this.log.highWatermark = hw;
    this.#notify();
    return hw;
  }

  /** The error for a client request that needs this replica to lead, or undefined. */
  notLeaderError(selfId: number): RunnelError | undefined {
    if (this.#closed) return new RunnelError('NOT_LEADER', `Partition ${this.name} is closing on broker ${selfId}`, { leaderHint: -1 });
    if (this.#role === 'leader') return undefined;
    const leader = this.state.holder?.id ?? -1;
    if (leader < 0 || leader === selfId) return new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${this.name} has no leader at the moment`);
    return new RunnelError('NOT_LEADER', `Broker ${selfId} does not lead partition ${this.name}; broker ${leader} does`, { leaderHint: leader });
  }

  /** Registers a listener for HW/LEO moves, role changes and close. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Wakes waiters (HW, long polls). */
  notify(): void {
    this.#notify();
  }

  #notify(): void {
    for (const l of [...this.#listeners]) l();
  }

  /**
   * Resolves once the HW passes `offset`. Rejects REQUEST_TIMED_OUT on timeout, or when this
   * replica stops leading first: the outcome is then unknown (the record may still be committed by
   * the next leader), so the error must not be a definite failure such as NOT_LEADER.
   */
  waitForHighWatermark(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.log.highWatermark > offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = new AbortController();
      const done = (err?: unknown): void => {
        unlisten();
        timer.abort(SETTLED);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err as Error);
      };
      const unknown = (why: string): RunnelError => {
        const below = this.state.isr.length < this.minIsr;
        return new RunnelError(below ? 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' : 'REQUEST_TIMED_OUT', `Offset ${offset} of ${this.name} was written but not committed: ${why} (high watermark ${this.log.highWatermark}, ISR ${this.state.isr.length}, min.insync.replicas ${this.minIsr})`);
      };
      const onAbort = (): void => done(unknown('the broker is shutting down'));
      this.#clock.sleep(timeoutMs, timer.signal).then(() => done(unknown(`not within ${timeoutMs} ms`)), () => undefined);
      const unlisten = this.listen(() => {
        if (this.log.highWatermark > offset) done();
        else if (this.#role !== 'leader' || this.#closed) done(unknown('leadership moved'));
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Tracks a leader append until it settles, so {@link settleAppends} can wait for it. */
  trackAppend<T>(append: Promise<T>): Promise<T> {
    this.#appends.add(append);
    const forget = (): void => {
      this.#appends.delete(append);
    };
    append.then(forget, forget);
    return append;
  }

  /** Resolves once every leader append started so far has settled (before the log is closed). */
  async settleAppends(): Promise<void> {
    await Promise.allSettled([...this.#appends]);
  }

  /** Marks closed and wakes waiters; the caller flushes and closes the log. */
  markClosed(): void {
    this.#closed = true;
    this.#role = 'follower';
    this.fetchGeneration++;
    this.#notify();
  }
}

/** Splits whole batches into runs of consecutive batches with the same leader epoch. */
function epochRuns(records: Buffer): Array<{ epoch: number; baseOffset: number; records: Buffer }> {
  const runs: Array<{ epoch: number; baseOffset: number; start: number; end: number }> = [];
  for (let pos = 0; pos < records.length; ) {
    const size = batchSizeAt(records, pos);
    if (size <= 0 || pos + size > records.length) break;
    const h = readBatchHeader(records, pos);
    const last = runs.at(-1);
    if (last !== undefined && last.epoch === h.partitionLeaderEpoch) last.end = pos + size;
    else runs.push({ epoch: h.partitionLeaderEpoch, baseOffset: h.baseOffset, start: pos, end: pos + size });
    pos += size;
  }
  return runs.map((r) => ({ epoch: r.epoch, baseOffset: r.baseOffset, records: records.subarray(r.start, r.end) }));
}
