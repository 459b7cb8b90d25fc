import { RunnelError } from '@runnel/protocol';
import type { PartitionState, ReplicaIdentity, Versioned } from '@runnel/metadata';
import { casPartition } from './partition-cas.ts';
import type { NodeContext } from './node-context.ts';
import type { ReplicatedPartition } from './replicated-partition.ts';
import { nextReassignmentStep } from './reassignment.ts';
import { Slots } from './slots.ts';

/** Default of {@link ReplicationNodeOptions.failoverConcurrency}. */
export const DEFAULT_FAILOVER_CONCURRENCY = 16;

/**
 * Every partition-Lease write of this broker (DESIGN.md §6 rules 6–10), one at a time per
 * partition (under its lane): ISR expand and shrink by the leader, failover by an in-sync
 * follower, handover to a chosen follower. Each is a CAS with a proposalId; an unknown outcome is
 * settled by re-reading (casPartition), and while a CAS is pending its ISR counts in the maximal ISR.
 */
export class IsrManager {
  readonly #ctx: NodeContext;
  readonly #expanding = new Set<string>();
  readonly #reassigning = new Set<string>();
  /** Partitions with a failover queued or running (one at a time each). */
  readonly #failingOver = new Set<string>();
  /** Bounds the failovers whose flush and CAS are in flight (see ReplicationNodeOptions.failoverConcurrency). */
  readonly #failoverSlots: Slots;
  /** Leaders (`id/brokerEpoch`) whose death this broker has logged. */
  readonly #deadLogged = new Set<string>();
  /** The leaders followed at the last tick, whose broker Leases it read. */
  #followedLeaders: readonly number[] = [];

  constructor(ctx: NodeContext) {
    this.#ctx = ctx;
    this.#failoverSlots = new Slots(ctx.options.failoverConcurrency ?? DEFAULT_FAILOVER_CONCURRENCY);
  }

  /**
   * When the next tick is due for a followed leader's sake: the moment its broker Lease will have
   * been unchanged for LD, if sooner than the regular tick. Ticking then, rather than at the next
   * regular tick, judges a dead leader up to one tick period earlier.
   */
  nextExpiryAt(): number | undefined {
    return this.#ctx.liveness.nextExpiryAt(this.#followedLeaders);
  }

  /** Writes `next` (partitionEpoch + 1) as this partition's Lease; applies what the store then holds. */
  async #write(p: ReplicatedPartition, next: Omit<PartitionState, 'proposalId'>, proposedIsr: readonly ReplicaIdentity[] | undefined): Promise<boolean> {
    const ctx = this.#ctx;
    const base = p.versioned;
    if (proposedIsr !== undefined) p.proposedIsr = proposedIsr;
    try {
      const outcome = await casPartition({ store: ctx.options.store, clock: ctx.options.clock, timing: ctx.options.timing, newId: ctx.newId, observer: ctx.observer }, p.name, { ...next, partitionEpoch: base.value.partitionEpoch + 1 }, base.resourceVersion, ctx.signal);
      if (outcome.current !== undefined) {
        if (p.applyState(outcome.current) === 'stepped-down') ctx.logger.warn({ partition: p.name }, 'stepped down after a partition Lease CAS found another holder');
      }
      return outcome.applied;
    } finally {
      p.proposedIsr = undefined;
    }
  }

  /** Rule 6: the leader adds a follower at LEO ≥ max(HW, epochStartOffset) with its live brokerEpoch. */
  maybeExpand(p: ReplicatedPartition, replicaId: number, brokerEpoch: number): void {
    const ctx = this.#ctx;
    if (p.role !== 'leader' || this.#expanding.has(p.name)) return;
    const state = p.state;
    if (!state.replicas.includes(replicaId) || p.maximalIsr().some((m) => m.id === replicaId && m.brokerEpoch === brokerEpoch)) return;
    const f = p.follower(replicaId);
    if (f === undefined || f.brokerEpoch !== brokerEpoch || f.position < Math.max(p.log.highWatermark, state.epochStartOffset)) return;
    this.#expanding.add(p.name);
    void p.exclusive(async () => {
      // Live incarnation: a consistent read of its broker Lease, never a cached one (KIP-903).
      await ctx.liveness.refresh(replicaId, ctx.signal);
      if (ctx.liveness.liveEpoch(replicaId) !== brokerEpoch) return;
      const now = p.state;
      const pos = p.follower(replicaId);
      if (p.role !== 'leader' || pos === undefined || pos.brokerEpoch !== brokerEpoch || pos.position < Math.max(p.log.highWatermark, now.epochStartOffset)) return;
      const isr = [...now.isr.filter((m) => m.id !== replicaId), { id: replicaId, brokerEpoch }];
      if (await this.#write(p, { ...now, isr }, [...now.isr, { id: replicaId, brokerEpoch }])) {
        ctx.observer.isrChange?.({ partition: p.name, kind: 'expand', isr: isr.map((m) => m.id) });
        ctx.logger.info({ partition: p.name, isr }, 'ISR expanded');
      }
    }).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.warn({ err, partition: p.name }, 'ISR expansion failed');
    }).finally(() => this.#expanding.delete(p.name));
  }

  /** One pass: shrinks on leaders, liveness and failover on followers. */
  async tick(): Promise<void> {
    const ctx = this.#ctx;
    const followedLeaders = new Set<number>();
    for (const p of ctx.partitions.values()) {
      if (p.closed) continue;
      if (p.role === 'leader') {
        const lagging = p.laggingMembers(ctx.options.timing.replicaLagMaxMs);
        if (lagging.length > 0) void this.#shrink(p, lagging);
        else this.maybeReassign(p);
      } else if (p.state.holder !== null && p.state.holder.id !== ctx.self.id) {
        followedLeaders.add(p.state.holder.id);
      }
    }
    this.#followedLeaders = [...followedLeaders];
    await Promise.all([...followedLeaders].map((id) => ctx.liveness.refresh(id, ctx.signal)));
    for (const p of ctx.partitions.values()) {
      if (!p.closed && p.role === 'follower') this.considerFailover(p);
    }
  }

  async #shrink(p: ReplicatedPartition, lagging: readonly ReplicaIdentity[]): Promise<void> {
    const ctx = this.#ctx;
    await p.exclusive(async () => {
      const now = p.state;
      const out = lagging.filter((m) => now.isr.some((x) => x.id === m.id && x.brokerEpoch === m.brokerEpoch));
      if (p.role !== 'leader' || out.length === 0) return;
      const isr = now.isr.filter((m) => !out.some((x) => x.id === m.id && x.brokerEpoch === m.brokerEpoch));
      // The removed members stay in the maximal ISR until the CAS is confirmed (H2).
      if (await this.#write(p, { ...now, isr }, now.isr)) {
        ctx.observer.isrChange?.({ partition: p.name, kind: 'shrink', isr: isr.map((m) => m.id) });
        ctx.logger.warn({ partition: p.name, removed: out, isr }, 'ISR shrunk');
      }
    }).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.warn({ err, partition: p.name }, 'ISR shrink failed');
    });
  }

  /**
   * One step of a pending reassignment on a partition this incarnation leads ({@link nextReassignmentStep}):
   * add the targets to the replicas, or (once every target is in the ISR, which only this leader
   * grows, rule 6) hand leadership to the first target when this broker is not one, or remove the
   * other replicas from the replica list and the ISR and clear the target. Each write is a CAS
   * (partitionEpoch + 1) decided on the state under the partition's lane; a removal keeps the
   * leaving members in the maximal ISR until it is confirmed (H2). One step at a time per partition.
   */
  maybeReassign(p: ReplicatedPartition): void {
    const ctx = this.#ctx;
    // A draining broker (rule 12) starts no reassignment step: its shutdown hands the leadership over.
    if (p.role !== 'leader' || p.closed || p.handingOver || p.promotion !== undefined || !p.isHolder() || this.#reassigning.has(p.name) || ctx.draining.aborted) return;
    const step = nextReassignmentStep(p.state, ctx.self.id);
    if (step.kind === 'none' || step.kind === 'wait') return;
    this.#reassigning.add(p.name);
    const run = async (): Promise<void> => {
      if (step.kind === 'handover') {
        // Produce pauses while the target catches up to the log end (rule 10); the target, once leader, carries on.
        const epoch = await this.handover(p, step.to, ctx.options.timing.leaseDurationMs, ctx.signal);
        ctx.observer.reassignment?.({ partition: p.name, step: 'handover', replicas: p.state.replicas, leader: step.to });
        ctx.logger.info({ partition: p.name, to: step.to, leaderEpoch: epoch }, 'reassignment: handed leadership to a target replica');
        return;
      }
      await p.exclusive(async () => {
        const now = p.state;
        const again = nextReassignmentStep(now, ctx.self.id);
        if (p.role !== 'leader' || !p.isHolder() || again.kind !== step.kind) return;
        if (again.kind === 'add') {
          if (await this.#write(p, { ...now, replicas: again.replicas }, undefined)) {
            ctx.observer.reassignment?.({ partition: p.name, step: 'add', replicas: again.replicas, leader: ctx.self.id });
            ctx.logger.info({ partition: p.name, replicas: again.replicas, target: now.targetReplicas }, 'reassignment: target replicas added');
          }
        } else if (again.kind === 'complete') {
          if (await this.#write(p, { ...now, replicas: again.replicas, isr: again.isr, targetReplicas: null }, now.isr)) {
            ctx.observer.reassignment?.({ partition: p.name, step: 'complete', replicas: again.replicas, leader: ctx.self.id });
            ctx.logger.info({ partition: p.name, replicas: again.replicas, removed: now.replicas.filter((id) => !again.replicas.includes(id)) }, 'reassignment: complete; old replicas removed');
          }
        }
      });
    };
    run().catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.warn({ err, partition: p.name, step: step.kind }, 'reassignment step failed; retrying on a later tick');
    }).finally(() => this.#reassigning.delete(p.name));
  }

  /**
   * Whether this incarnation may lead `state` (rule 8): in its ISR with the current brokerEpoch,
   * or as the previous incarnation on the same data directory whose disk still holds everything committed — after a clean
   * shutdown (everything flushed), or in `fsync` durability, where every ISR member's position
   * counted only flushed data, so a crash lost nothing committed. A `recovering` replica of a
   * `replicated`-durability topic is eligible on its old entry only as the partition's sole replica
   * (otherwise never: KIP-966's lost unflushed tail).
   */
  #eligible(p: ReplicatedPartition, state: PartitionState): boolean {
    const self = this.#ctx.self;
    if (this.#ctx.draining.aborted) return false; // a broker shutting down takes no leadership (rule 12)
    if (state.leaderEpoch < 0 && state.isr.length === 0) return true; // never led: every replica's log is empty
    // Only the immediately previous incarnation, and only on the same data directory (an emptied or
    // replaced disk gets a new UUID: KIP-903's empty-disk restart must never lead).
    const previous = this.#ctx.lease.previous;
    const sameDisk = previous !== undefined && previous.brokerUuid === this.#ctx.options.registration.brokerUuid;
    // A sole replica is the best copy there is: after a crash it leads on what it recovered (as Kafka
    // re-elects the last ISR member), so `replicated` durability with RF=1 keeps only what reached the disk.
    const sole = state.replicas.length === 1 && state.replicas[0] === self.id;
    const diskHoldsCommitted = sameDisk && (!this.#ctx.recovering || p.config.durability === 'fsync' || sole);
    return state.isr.some((m) => m.id === self.id && (m.brokerEpoch === self.brokerEpoch || (diskHoldsCommitted && m.brokerEpoch === previous.brokerEpoch)));
  }

  #leaderDead(state: PartitionState): boolean {
    const holder = state.holder;
    if (holder === null) return true;
    if (holder.id === this.#ctx.self.id) return holder.brokerEpoch !== this.#ctx.self.brokerEpoch;
    return this.#ctx.liveness.isDead(holder);
  }

  /**
   * Rule 8's rank: after judging the leader dead, this broker waits rank × 2·RP before it tries.
   * The candidates are the ISR members in replica-list order, without the dead holder and without
   * members this broker already knows dead (their broker Lease read as expired or restarted), so
   * exactly one candidate per partition acts at once, and the replica order spreads a dead broker's
   * partitions over the survivors. The others are a fallback for a first candidate that cannot
   * write (cut off from the API, or dead unbeknown to this broker). Their wait is long enough for
   * the first candidate to take over a few hundred partitions: with one renew period, the
   * survivors of a 1,000-partition failover raced for the same partitions (165 of 1,165 CASes lost
   * with 409). Ranked by the whole replica list, the first follower used to wait one renew period
   * behind the dead leader's own place. A partition that has never been led (empty ISR) keeps that
   * rank: its first election belongs to partition creation.
   */
  #waitBeforeFailover(state: PartitionState): number {
    const ctx = this.#ctx;
    const self = ctx.self.id;
    const step = 2 * ctx.options.timing.renewPeriodMs;
    if (state.isr.length === 0) return Math.max(0, state.replicas.indexOf(self)) * ctx.options.timing.renewPeriodMs;
    const holder = state.holder?.id;
    const ahead: number[] = [];
    for (const id of state.replicas) {
      if (id === self) break;
      const member = state.isr.find((m) => m.id === id);
      if (id === holder || member === undefined || ctx.liveness.isDead(member)) continue;
      ahead.push(id);
    }
    // This broker is the holder's id (its own earlier incarnation) or out of the ISR by id: after all others.
    const inLine = state.replicas.includes(self) && self !== holder && state.isr.some((m) => m.id === self);
    if (inLine) return ahead.length * step;
    return state.replicas.filter((id) => id !== self && id !== holder && state.isr.some((m) => m.id === id)).length * step;
  }

  /** Checks one follower partition for failover now (called each tick and when a leaderless state arrives). */
  considerFailover(p: ReplicatedPartition): void {
    const ctx = this.#ctx;
    const state = p.state;
    if (!this.#eligible(p, state) || !this.#leaderDead(state)) {
      p.leaderDeadSince = undefined;
      return;
    }
    const now = ctx.options.clock.now();
    if (p.leaderDeadSince === undefined) {
      p.leaderDeadSince = now;
      this.#logDeath(state);
    }
    if (now - p.leaderDeadSince < this.#waitBeforeFailover(state)) return;
    // One failover per partition queued or running: the next tick looks again once it has ended.
    if (this.#failingOver.has(p.name)) return;
    this.#failingOver.add(p.name);
    const deadSince = p.leaderDeadSince;
    void p.exclusive(() => this.#failover(p, deadSince)).catch((err: unknown) => {
      if (!ctx.signal.aborted) ctx.logger.warn({ err, partition: p.name }, 'failover attempt failed');
    }).finally(() => this.#failingOver.delete(p.name));
  }

  /** Logs, once per dead leader incarnation, that this broker judged it dead (rule 8). */
  #logDeath(state: PartitionState): void {
    const holder = state.holder;
    if (holder === null || holder.id === this.#ctx.self.id) return;
    const key = `${holder.id}/${holder.brokerEpoch}`;
    if (this.#deadLogged.has(key)) return;
    if (this.#deadLogged.size >= 64) this.#deadLogged.clear();
    this.#deadLogged.add(key);
    this.#ctx.logger.info({ leader: holder.id, leaderBrokerEpoch: holder.brokerEpoch }, 'leader judged dead: its broker Lease shows another incarnation or has not changed for the lease duration');
  }

  /**
   * Rule 8: stop fetching, flush, E := log end, CAS holder=self, epoch+1, old leader out of the ISR,
   * epochStartOffset=E.
   *
   * It decides and writes on ONE version of the partition Lease: the one this replica holds when
   * it writes (from the watch, or from the reply to an earlier write or read), with no await
   * between the checks and the CAS. The CAS carries that version's resourceVersion, so it applies
   * only if that version is still the latest: whatever the decision rested on (this broker in the
   * ISR, the holder and epoch it replaces) is then the truth at the moment of the write. A stale
   * version costs one 409 and a re-read, after which the next tick decides again on the fresh one.
   * (A consistent GET before the CAS added nothing to safety, and doubled the API requests of a
   * failover. Deciding on a read but writing against a NEWER version applied by the watch meanwhile
   * was the bug the reassignment simulation found, seed 5005: two holders of one epoch.)
   */
  async #failover(p: ReplicatedPartition, deadSince: number): Promise<void> {
    const ctx = this.#ctx;
    if (p.role !== 'follower' || p.closed || !this.#eligible(p, p.state) || !this.#leaderDead(p.state)) return;
    const queuedAt = ctx.options.clock.now();
    const release = await this.#failoverSlots.acquire(ctx.signal);
    let released = false;
    const done = (): void => {
      if (released) return;
      released = true;
      release();
    };
    const slotAt = ctx.options.clock.now();
    try {
      // Taken over by another replica (seen on the watch) while this one waited for a slot.
      if (p.role !== 'follower' || p.closed || !this.#eligible(p, p.state) || !this.#leaderDead(p.state)) return;
      p.fetching = false;
      p.fetchGeneration++; // late fetch responses are dropped from here on
      // Appends of an earlier leadership of this replica land before the log end is taken as E.
      await p.settleAppends();
      // E's prefix durable before the claim. Usually it already is (in `fsync` durability a copied
      // batch is appended only once synced), and then only the epoch cache's pending write is
      // waited for: a full flush() also rewrites the HW checkpoint file, which nothing here needs,
      // and cost a median 0.3 s per partition (up to 2 s) while hundreds failed over at once.
      if (p.log.flushedOffset < p.log.logEndOffset) await p.log.flush();
      else await p.log.leaderEpochs.flush();
      const flushedAt = ctx.options.clock.now();
      const base = p.versioned;
      const state = base.value;
      if (!this.#eligible(p, state) || !this.#leaderDead(state) || p.role !== 'follower' || p.closed) return;
      const won = await this.#takeLeadership(p, base, state.holder?.id, () => {
        done();
        ctx.logger.debug?.({ partition: p.name, slotWaitMs: slotAt - queuedAt, flushMs: flushedAt - slotAt, casMs: ctx.options.clock.now() - flushedAt }, 'failover: leadership CAS answered');
      });
      if (won) ctx.observer.failover?.({ partition: p.name, leaderEpoch: p.state.leaderEpoch, durationMs: ctx.options.clock.now() - deadSince });
    } finally {
      done();
      p.fetching = true;
      const leader = p.state.holder?.id;
      if (p.role === 'follower' && leader !== undefined && leader !== ctx.self.id) ctx.wakeFetcher(leader);
    }
  }

  /**
   * A handover named this incarnation holder (rule 10): stop fetching, persist the epoch entry
   * at the local log end, rebuild producer state, then lead.
   */
  async acceptHandover(p: ReplicatedPartition): Promise<void> {
    const ctx = this.#ctx;
    await p.exclusive(async () => {
      if (p.role === 'leader' || p.closed || !p.isHolder()) return;
      if (ctx.draining.aborted) {
        // Rule 12: a broker shutting down leads nothing; its Lease release makes the ISR fail over.
        ctx.logger.info({ partition: p.name, leaderEpoch: p.state.leaderEpoch }, 'named leader by a handover while shutting down; not taking over');
        return;
      }
      p.fetchGeneration++;
      await p.settleAppends();
      await p.log.flush();
      await p.log.startLeaderEpoch(p.state.leaderEpoch, p.log.logEndOffset);
      await p.producers.rebuild(p.log);
      if (!p.isHolder()) return;
      p.becomeLeader(p.versioned);
      ctx.logger.info({ partition: p.name, leaderEpoch: p.state.leaderEpoch }, 'became leader by handover');
    });
  }

  /**
   * CAS holder=self at epoch+1 with `excluded` out of the ISR against `base`'s resourceVersion; on
   * success persist the epoch, rebuild producer state, lead. `answered` runs once the CAS's outcome
   * is known, before the promotion.
   */
  async #takeLeadership(p: ReplicatedPartition, base: Versioned<PartitionState>, excluded: number | undefined, answered: () => void): Promise<boolean> {
    const state = base.value;
    const ctx = this.#ctx;
    const self = ctx.self;
    const startOffset = p.log.logEndOffset;
    const me = { id: self.id, brokerEpoch: self.brokerEpoch };
    const isr = [...state.isr.filter((m) => m.id !== self.id && m.id !== excluded), me];
    const next = { ...state, holder: me, leaderEpoch: state.leaderEpoch + 1, isr, epochStartOffset: startOffset, handoverTo: null };
    const outcome = await casPartition({ store: ctx.options.store, clock: ctx.options.clock, timing: ctx.options.timing, newId: ctx.newId, observer: ctx.observer }, p.name, { ...next, partitionEpoch: base.value.partitionEpoch + 1 }, base.resourceVersion, ctx.signal);
    answered();
    if (!outcome.applied || outcome.current === undefined) {
      if (outcome.current !== undefined) p.applyState(outcome.current);
      ctx.logger.info({ partition: p.name, holder: outcome.current?.value.holder }, 'lost the leadership race; following the winner');
      return false;
    }
    // Epoch entry on disk before any append in the new epoch (rule 3), producer state from the log (rule 11).
    const won = outcome.current;
    const promotion = (async () => {
      await p.log.startLeaderEpoch(next.leaderEpoch, startOffset);
      await p.producers.rebuild(p.log);
      p.becomeLeader(won);
    })();
    p.promotion = promotion;
    try {
      await promotion;
    } finally {
      p.promotion = undefined;
    }
    ctx.logger.info({ partition: p.name, leaderEpoch: next.leaderEpoch, epochStartOffset: startOffset, isr }, 'became leader');
    return true;
  }

  /**
   * Rule 10: preferred-leader move. The target must be in the ISR with its live brokerEpoch; the
   * leader stops taking produce (by handing over while the target is at its log end), waits for
   * the target to reach its log end, then CASes holder=target at epoch+1.
   */
  async handover(p: ReplicatedPartition, target: number, timeoutMs: number, signal: AbortSignal): Promise<number> {
    const ctx = this.#ctx;
    const clock = ctx.options.clock;
    const deadline = clock.now() + timeoutMs;
    const notLeader = p.notLeaderError(ctx.self.id);
    if (notLeader !== undefined) throw notLeader;
    const member = p.state.isr.find((m) => m.id === target);
    if (member === undefined || target === ctx.self.id) throw new RunnelError('INVALID_REQUEST', `Cannot hand ${p.name} over to broker ${target}: it is not a follower in the ISR (${p.state.isr.map((m) => m.id).join(',')})`);
    return p.exclusive(async () => {
      p.handingOver = true;
      try {
        for (;;) {
          const f = p.follower(target);
          if (f !== undefined && f.brokerEpoch === member.brokerEpoch && f.position >= p.log.logEndOffset && p.log.highWatermark >= p.log.logEndOffset) break;
          if (clock.now() >= deadline) throw new RunnelError('REQUEST_TIMED_OUT', `Broker ${target} did not catch up with ${p.name} within ${timeoutMs} ms; leadership stays`);
          await clock.sleep(Math.min(50, ctx.options.timing.replicaFetchWaitMs), signal);
        }
        const state = p.state;
        const next = { ...state, holder: member, leaderEpoch: state.leaderEpoch + 1, epochStartOffset: p.log.logEndOffset, handoverTo: null };
        if (!(await this.#write(p, next, undefined))) throw new RunnelError('NOT_LEADER', `Handover of ${p.name} to broker ${target} lost a race; the partition state changed`);
        return next.leaderEpoch;
      } finally {
        p.handingOver = false;
      }
    });
  }

  /**
   * Clean shutdown (rule 12): hands a led partition to an ISR follower that is still following,
   * bounded by `timeoutMs`. Only a follower that fetched since the handover began, with its live
   * brokerEpoch, at the log end, is chosen (then nothing acknowledged can be lost: the CAS is the
   * same as {@link handover}'s). A follower that stopped fetching is crashed or shutting down itself
   * (a draining broker stops its fetchers): when none fetched for a fetch wait plus a request
   * timeout, the leader gives up at once rather than wait for a successor that will not come; its
   * broker Lease release then lets the ISR fail over (or the partition waits for a replica to return).
   */
  async handOverToAnyone(p: ReplicatedPartition, timeoutMs: number): Promise<void> {
    const ctx = this.#ctx;
    const { clock, timing } = ctx.options;
    const candidates = p.state.isr.filter((m) => m.id !== ctx.self.id);
    if (candidates.length === 0 || p.notLeaderError(ctx.self.id) !== undefined) return;
    const started = clock.now();
    const deadline = started + timeoutMs;
    const quietMs = timing.replicaFetchWaitMs + timing.requestTimeoutMs;
    const following = (m: ReplicaIdentity): boolean => {
      const f = p.follower(m.id);
      return f !== undefined && f.brokerEpoch === m.brokerEpoch && f.lastFetchAt >= started;
    };
    try {
      await p.exclusive(async () => {
        if (p.notLeaderError(ctx.self.id) !== undefined) return;
        p.handingOver = true;
        try {
          for (;;) {
            const target = candidates.find((m) => following(m) && p.follower(m.id)!.position >= p.log.logEndOffset && p.log.highWatermark >= p.log.logEndOffset);
            if (target !== undefined) {
              const state = p.state;
              const next = { ...state, holder: target, leaderEpoch: state.leaderEpoch + 1, epochStartOffset: p.log.logEndOffset, handoverTo: null };
              if (!(await this.#write(p, next, undefined))) throw new RunnelError('NOT_LEADER', `Handover of ${p.name} to broker ${target.id} lost a race; the partition state changed`);
              ctx.logger.info({ partition: p.name, target: target.id, leaderEpoch: next.leaderEpoch }, 'handed leadership over on shutdown');
              return;
            }
            const now = clock.now();
            if (now >= deadline) throw new RunnelError('REQUEST_TIMED_OUT', `No ISR follower of ${p.name} caught up within ${timeoutMs} ms; leadership stays until the broker Lease is released`);
            if (now - started >= quietMs && !candidates.some(following)) {
              ctx.logger.info({ partition: p.name, isr: p.state.isr.map((m) => m.id) }, 'no ISR follower is still fetching (stopped or shutting down); leaving leadership to the broker Lease release');
              return;
            }
            await clock.sleep(Math.min(50, timing.replicaFetchWaitMs), ctx.signal);
          }
        } finally {
          p.handingOver = false;
        }
      });
    } catch (err) {
      ctx.logger.warn({ err, partition: p.name }, 'could not hand leadership over on shutdown');
    }
  }
}
