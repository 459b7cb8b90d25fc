import { randomUUID } from 'node:crypto';
import { RunnelError, toWireError } from '@runnel/protocol';
import { isMetadataStoreError, type ObjectCollection, type PartitionState, type TopicDefinition, type Versioned } from '@runnel/metadata';
import type { PartitionLog } from '@runnel/storage';
import { BrokerLease } from './broker-lease.ts';
import { LeaderLiveness } from './leader-liveness.ts';
import { ProducerIdAllocator } from './producer-id-allocator.ts';
import { IsrManager } from './isr-manager.ts';
import { ReplicaFetcher } from './replica-fetcher.ts';
import { ReplicatedPartition } from './replicated-partition.ts';
import { serveReplicaFetch } from './serve-replica-fetch.ts';
import type { HandoverRequest, HandoverResponse, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, ReplicaFetchRequest, ReplicaFetchResponse } from './replica-transport.ts';
import type { NodeFetchRequest, NodeFetchResult, NodeProduceRequest, NodeProduceResult, NodeReplicaStatus, ReplicationNode, ReplicationNodeOptions } from './replication-node-api.ts';
import { validateReplicationTiming } from './replication-timing.ts';
import type { NodeContext } from './node-context.ts';
import type { TopicCounters } from '../broker-metrics.ts';
import { settingsDiffer, topicSettings, type TopicSettings } from '../topic-settings.ts';
import { PartitionDirectory } from './partition-directory.ts';
import { KeyedQueue } from './keyed-queue.ts';

/**
 * Partitions opened (or otherwise provisioned) at once. Opening a log is mostly waiting on the
 * disk, so overlapping the waits is what makes a topic of thousands of partitions quick; the bound
 * keeps the open file handles and the memory of half-opened logs in check.
 */
export const PROVISIONING_CONCURRENCY = 64;

const silentLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Builds one broker incarnation's replication node (DESIGN.md §6) from a clock, a transport, a
 * metadata store and partition logs. See {@link ReplicationNode}.
 */
export function createReplicationNode(options: ReplicationNodeOptions): ReplicationNode {
  return new Node(options);
}

class Node implements ReplicationNode {
  readonly brokerId: number;
  readonly directory: PartitionDirectory;
  readonly #ctx: NodeContext;
  readonly #stop = new AbortController();
  readonly #drain = new AbortController();
  readonly #lease: BrokerLease;
  #producerIds: ProducerIdAllocator | undefined;
  readonly #loops: Array<Promise<void>> = [];
  readonly #provisioning = new KeyedQueue(PROVISIONING_CONCURRENCY, (partition, err) => this.#ctx.logger.warn({ err, partition }, 'applying a partition state failed'));
  #started = false;
  #closed = false;

  constructor(options: ReplicationNodeOptions) {
    validateReplicationTiming(options.timing);
    this.brokerId = options.brokerId;
    const newId = options.newId ?? randomUUID;
    const logger = options.logger ?? silentLogger;
    const observer = options.observer ?? {};
    this.#lease = new BrokerLease({
      brokerId: options.brokerId,
      store: options.store,
      clock: options.clock,
      timing: options.timing,
      registration: options.registration,
      incarnation: newId(),
      exclusiveStore: options.exclusiveStore === true,
      logger,
      // Rule 2: a foreign holder means another incarnation runs with our id; stop every loop and every write at once.
      observer: {
        ...observer,
        fenced: (err) => {
          this.crash();
          observer.fenced?.(err);
        },
      },
    });
    const lease = this.#lease;
    const counters = new Map<string, TopicCounters>();
    const ctx: NodeContext = {
      options,
      newId,
      logger,
      observer,
      signal: this.#stop.signal,
      draining: this.#drain.signal,
      partitions: new Map(),
      topics: new Map(),
      liveness: new LeaderLiveness(options.store, options.clock, options.timing),
      lease,
      get self() {
        return { id: options.brokerId, brokerEpoch: lease.brokerEpoch };
      },
      recovering: !options.cleanStart,
      isr: undefined as unknown as IsrManager,
      fetchers: new Map(),
      opening: new Set(),
      offline: new Map(),
      leaders: new Map(),
      counters: (topic) => {
        const metrics = options.metrics;
        if (metrics === undefined) return undefined;
        let c = counters.get(topic);
        if (c === undefined) {
          c = metrics.topicCounters(topic);
          counters.set(topic, c);
        }
        return c;
      },
      pendingOpen: undefined,
      wakeFetcher: (leaderId) => this.#wakeFetcher(leaderId),
      dropIfRemoved: (p) => {
        void this.#dropIfRemoved(p).catch((err: unknown) => logger.warn({ err, partition: p.name }, 'could not delete a replica that was reassigned away'));
      },
    };
    ctx.isr = new IsrManager(ctx);
    this.#ctx = ctx;
    this.#forgetCounters = (topic) => {
      counters.delete(topic);
      options.metrics?.forgetTopic(topic);
    };
    this.directory = new PartitionDirectory(ctx);
  }

  readonly #forgetCounters: (topic: string) => void;

  get brokerEpoch(): number {
    return this.#lease.brokerEpoch;
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.#started) throw new RunnelError('INVALID_REQUEST', `Replication node of broker ${this.brokerId} was already started`);
    this.#started = true;
    const ctx = this.#ctx;
    const combined = signal === undefined ? ctx.signal : AbortSignal.any([signal, ctx.signal]);
    const brokerEpoch = await this.#lease.acquire(combined);
    this.#producerIds = new ProducerIdAllocator(this.brokerId, brokerEpoch);
    ctx.logger.info({ brokerEpoch, recovering: ctx.recovering }, 'broker Lease acquired');
    const topics = await ctx.options.store.topics.list();
    for (const t of topics.items) ctx.topics.set(t.value.name, t.value);
    const partitions = await ctx.options.store.partitions.list();
    // A replica reassigned away while this broker was down: its directory goes (a rename that
    // fails at once when there is none), before anything could open the partition again.
    for (const p of partitions.items) {
      if (p.value.replicas.includes(this.brokerId)) continue;
      await ctx.options.deleteLog?.({ topic: p.value.topic, partition: p.value.partition, topicId: p.value.topicId })
        .catch((err: unknown) => ctx.logger.warn({ err, partition: p.name }, 'could not delete the copy of a replica reassigned away while this broker was down'));
    }
    for (const p of partitions.items) await this.#provision(p);
    await this.#provisioning.idle();
    // Elections this node could start at once (it is first in line and the leader is gone, e.g. its own
    // previous incarnation) are queued on the partitions' lanes: serve once they have run, or after
    // two request timeouts (a slow store must not hold the broker's start; the elections go on).
    const settled = new AbortController();
    await Promise.race([
      Promise.all([...ctx.partitions.values()].map((p) => p.exclusive(() => Promise.resolve()))),
      ctx.options.clock.sleep(2 * ctx.options.timing.requestTimeoutMs, AbortSignal.any([settled.signal, combined])).catch(() => undefined),
    ]);
    settled.abort();
    this.#loops.push(this.#lease.renewLoop(ctx.signal));
    this.#loops.push(this.#follow(ctx.options.store.topics, topics.resourceVersion, (t) => this.#onTopic(t), (t) => {
      if (ctx.topics.get(t.value.name)?.topicId === t.value.topicId) ctx.topics.delete(t.value.name);
      return Promise.resolve();
    }));
    this.#loops.push(this.#follow(ctx.options.store.partitions, partitions.resourceVersion, (p) => this.#provision(p), (p) => {
      const name = `${p.value.topic}-${p.value.partition}`;
      return this.#provisioning.submit(name, () => this.#removePartition(name, p.value.topicId));
    }));
    this.#loops.push(this.#tickLoop());
  }

  /** List-then-watch with relist on EXPIRED or error; never rejects. */
  async #follow<T>(collection: ObjectCollection<T>, resourceVersion: string, onItem: (v: Versioned<T>) => Promise<void>, onDeleted: (v: Versioned<T>) => Promise<void>): Promise<void> {
    const ctx = this.#ctx;
    let rv: string | undefined = resourceVersion;
    while (!ctx.signal.aborted) {
      try {
        if (rv === undefined) {
          const listed = await collection.list();
          for (const item of listed.items) await onItem(item);
          rv = listed.resourceVersion;
        }
        for await (const event of collection.watch({ resourceVersion: rv, signal: ctx.signal })) {
          if (event.type === 'DELETED') await onDeleted(event.object);
          else await onItem(event.object);
          rv = event.object.resourceVersion;
        }
        rv = undefined;
      } catch (err) {
        if (ctx.signal.aborted) return;
        if (!isMetadataStoreError(err, 'EXPIRED')) ctx.logger.warn({ err }, 'metadata watch failed; listing again');
        rv = undefined;
        await ctx.options.clock.sleep(ctx.options.timing.renewPeriodMs / 4, ctx.signal).catch(() => undefined);
      }
    }
  }

  async #onTopic(t: Versioned<TopicDefinition>): Promise<void> {
    this.#ctx.topics.set(t.value.name, t.value);
    this.#reconfigure(t.value);
    const pending = this.#ctx.pendingOpen?.get(t.value.name);
    if (pending === undefined) return;
    // Those of another incarnation go back in (#onPartition queues them again).
    this.#ctx.pendingOpen?.delete(t.value.name);
    for (const p of pending) await this.#provision(p);
  }

  /** Queues a partition state for {@link #onPartition}: in parallel with other partitions, in order per partition. */
  #provision(v: Versioned<PartitionState>): Promise<void> {
    return this.#provisioning.submit(`${v.value.topic}-${v.value.partition}`, () => this.#onPartition(v));
  }

  /** Opens a hosted partition on first sight, then applies newer states (stepping down when deposed). */
  async #onPartition(v: Versioned<PartitionState>): Promise<void> {
    const ctx = this.#ctx;
    const state = v.value;
    const name = `${state.topic}-${state.partition}`;
    if (!state.replicas.includes(this.brokerId)) {
      // Reassigned away (or never here): a replica still open here takes the state only if it is
      // not older than the one it holds, and is deleted once the state it holds no longer lists it.
      const hosted = ctx.partitions.get(name);
      if (hosted !== undefined && hosted.topicId === state.topicId) {
        hosted.applyState(v);
        await this.#dropIfRemoved(hosted);
      }
      const offline = ctx.offline.get(name);
      if (offline !== undefined && offline.topicId === state.topicId) await this.#removePartition(name, state.topicId);
      ctx.leaders.set(name, { topicId: state.topicId, leader: state.holder?.id ?? -1 });
      return;
    }
    ctx.leaders.delete(name);
    if (ctx.signal.aborted) return;
    const existing = ctx.partitions.get(name);
    if (existing !== undefined) {
      if (existing.topicId === state.topicId) {
        this.#applyState(existing, v);
        return;
      }
      // The topic was deleted and created again: the old incarnation's log goes first.
      await this.#removePartition(name, existing.topicId);
    }
    const topic = ctx.topics.get(state.topic);
    if (topic === undefined || topic.topicId !== state.topicId) {
      ctx.pendingOpen ??= new Map();
      const pending = ctx.pendingOpen.get(state.topic);
      if (pending === undefined) ctx.pendingOpen.set(state.topic, [v]);
      else pending.push(v);
      return;
    }
    if (ctx.opening.has(name) || ctx.offline.get(name)?.topicId === state.topicId) return;
    ctx.opening.add(name);
    try {
      const { config, minIsr } = topicSettings(topic, ctx.options.topicDefaults);
      const log: PartitionLog = await ctx.options.openLog({ topic: state.topic, partition: state.partition, topicId: state.topicId, config });
      const p = new ReplicatedPartition({ self: ctx.self, clock: ctx.options.clock, log, config, minIsr, state: v });
      await p.producers.rebuild(log);
      if (ctx.signal.aborted) {
        await log.close();
        return;
      }
      ctx.partitions.set(name, p);
      ctx.logger.info({ partition: name, logEndOffset: log.logEndOffset, leaderEpoch: state.leaderEpoch }, 'partition opened');
      this.#applyState(p, v);
    } catch (err) {
      // With no other replica, nothing but an operator's repair brings the partition back: the
      // error is marked not retriable, so clients fail at once with the cause instead of retrying
      // until their delivery timeout. With other replicas, another broker may lead it.
      const sole = state.replicas.length === 1;
      ctx.offline.set(name, {
        topicId: state.topicId,
        error: new RunnelError('STORAGE_ERROR', `Partition ${name} is offline on broker ${this.brokerId}: its log could not be opened: ${openFailure(err)}`, { cause: err, ...(sole ? { retriable: false } : {}) }),
      });
      ctx.logger.error({ err, partition: name }, 'partition could not be opened; it stays offline on this broker');
      this.directory.notifyOffline();
    } finally {
      ctx.opening.delete(name);
    }
  }

  /** Topic configs apply live: the open partitions of this topic incarnation take changed settings. */
  #reconfigure(topic: TopicDefinition): void {
    const ctx = this.#ctx;
    let settings: TopicSettings | undefined;
    for (const p of ctx.partitions.values()) {
      if (p.topic !== topic.name || p.topicId !== topic.topicId) continue;
      try {
        settings ??= topicSettings(topic, ctx.options.topicDefaults);
      } catch (err) {
        ctx.logger.error({ err, topic: topic.name }, 'the topic\'s new configs are invalid; its partitions keep their current settings');
        return;
      }
      if (!settingsDiffer(settings, { config: p.config, minIsr: p.minIsr })) continue;
      p.reconfigure(settings.config, settings.minIsr);
      ctx.logger.info({ partition: p.name, minIsr: settings.minIsr, retentionMs: settings.config.retentionMs, durability: settings.config.durability }, 'topic configs applied');
    }
  }

  /** Closes and deletes the local replica of a deleted partition (only of that topic incarnation). */
  async #removePartition(name: string, topicId: string): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.leaders.get(name)?.topicId === topicId) ctx.leaders.delete(name);
    const offline = ctx.offline.get(name);
    if (offline?.topicId === topicId) {
      ctx.offline.delete(name);
      const cut = name.lastIndexOf('-');
      // Whatever the failed open left behind; a directory the file system refused never existed.
      await ctx.options.deleteLog?.({ topic: name.slice(0, cut), partition: Number(name.slice(cut + 1)), topicId })
        .catch((err: unknown) => ctx.logger.warn({ err, partition: name }, 'could not delete what an offline partition left on disk'));
    }
    const p = ctx.partitions.get(name);
    if (p === undefined || p.topicId !== topicId) return;
    ctx.partitions.delete(name);
    p.markClosed();
    await p.settleAppends();
    await p.exclusive(() => p.log.close());
    await ctx.options.deleteLog?.({ topic: p.topic, partition: p.partition, topicId });
    ctx.logger.info({ partition: name, topicId }, 'partition deleted');
    if (![...ctx.partitions.values()].some((q) => q.topic === p.topic)) this.#forgetCounters(p.topic);
  }

  /**
   * Deletes the local replica when the partition state it holds no longer lists this broker: the
   * leader removed it from the replicas and the ISR in one CAS (reassignment complete), so nothing
   * committed depends on this copy. The fetcher stops with it (it follows only open partitions).
   */
  async #dropIfRemoved(p: ReplicatedPartition): Promise<void> {
    if (p.closed || p.state.replicas.includes(this.brokerId) || this.#ctx.partitions.get(p.name) !== p) return;
    this.#ctx.logger.info({ partition: p.name, replicas: p.state.replicas }, 'replica reassigned away: deleting the local copy');
    await this.#removePartition(p.name, p.topicId);
    this.#ctx.observer.replicaRemoved?.({ partition: p.name, topicId: p.topicId });
  }

  #applyState(p: ReplicatedPartition, v: Versioned<PartitionState>): void {
    const result = p.applyState(v);
    if (result === 'stepped-down') this.#ctx.logger.warn({ partition: p.name, leaderEpoch: v.value.leaderEpoch, holder: v.value.holder }, 'stepped down: another replica holds the partition');
    if (p.role === 'follower' && p.isHolder()) {
      void this.#ctx.isr.acceptHandover(p).catch((err: unknown) => this.#ctx.logger.warn({ err, partition: p.name }, 'could not take over a handed-over partition'));
      return;
    }
    const leader = p.state.holder?.id;
    if (p.role === 'follower' && leader !== undefined && leader !== this.brokerId) this.#wakeFetcher(leader);
    // A leaderless or self-held (earlier incarnation) partition need not wait for the next tick.
    if (p.role === 'follower' && (leader === undefined || leader === this.brokerId)) this.#ctx.isr.considerFailover(p);
  }

  #wakeFetcher(leaderId: number): void {
    const ctx = this.#ctx;
    if (ctx.signal.aborted || ctx.draining.aborted) return;
    let fetcher = ctx.fetchers.get(leaderId);
    if (fetcher === undefined) {
      fetcher = new ReplicaFetcher(ctx, leaderId);
      ctx.fetchers.set(leaderId, fetcher);
      const f = fetcher;
      this.#loops.push(fetcher.run().finally(() => {
        if (ctx.fetchers.get(leaderId) === f) ctx.fetchers.delete(leaderId);
      }));
    }
  }

  /**
   * Every RP/2: ISR shrinks on leaders, leader liveness and failover on followers. Also at the
   * moment a followed leader's broker Lease will have been unchanged for LD, when that comes
   * sooner: the tick then reads it and, still unchanged, judges the leader dead at once (rule 8),
   * rather than up to RP/2 later.
   */
  async #tickLoop(): Promise<void> {
    const ctx = this.#ctx;
    const { clock } = ctx.options;
    const period = ctx.options.timing.renewPeriodMs / 2;
    while (!ctx.signal.aborted) {
      try {
        const expiry = ctx.isr.nextExpiryAt();
        await clock.sleep(expiry === undefined ? period : Math.min(period, Math.max(0, expiry - clock.now())), ctx.signal);
        await ctx.isr.tick();
      } catch (err) {
        if (ctx.signal.aborted) return;
        ctx.logger.error({ err }, 'replication tick failed');
      }
    }
  }

  produce(request: NodeProduceRequest, signal?: AbortSignal): Promise<NodeProduceResult> {
    return this.directory.produce(request, signal);
  }

  fetch(request: NodeFetchRequest): Promise<NodeFetchResult> {
    return this.directory.fetch(request);
  }

  initProducerId(): { producerId: number; producerEpoch: number } {
    if (this.#producerIds === undefined) throw new RunnelError('BROKER_NOT_AVAILABLE', `Broker ${this.brokerId} has not joined the cluster yet`);
    return this.#producerIds.next();
  }

  status(topic: string, partition: number): NodeReplicaStatus | undefined {
    const p = this.#ctx.partitions.get(`${topic}-${partition}`);
    if (p === undefined) return undefined;
    return { role: p.role, leaderEpoch: p.state.leaderEpoch, highWatermark: p.log.highWatermark, logEndOffset: p.log.logEndOffset, state: p.state };
  }

  log(topic: string, partition: number): PartitionLog | undefined {
    return this.#ctx.partitions.get(`${topic}-${partition}`)?.log;
  }

  handleReplicaFetch(request: ReplicaFetchRequest, signal: AbortSignal, leased?: Buffer[]): Promise<ReplicaFetchResponse> {
    return serveReplicaFetch(this.#ctx, request, signal, leased);
  }

  handleOffsetForLeaderEpoch(request: OffsetForLeaderEpochRequest): Promise<OffsetForLeaderEpochResponse> {
    return Promise.resolve({
      partitions: request.partitions.map((q) => {
        const p = this.#ctx.partitions.get(`${q.topic}-${q.partition}`);
        if (p === undefined || p.topicId !== q.topicId) {
          return { topic: q.topic, partition: q.partition, error: toWireError(new RunnelError('UNKNOWN_TOPIC', `Broker ${this.brokerId} hosts no replica of ${q.topic}-${q.partition} with that topic id`)), end: { epoch: -1, endOffset: -1 } };
        }
        return { topic: q.topic, partition: q.partition, end: p.log.leaderEpochs.endOffsetFor(q.leaderEpoch, p.log.logEndOffset) };
      }),
    });
  }

  async handleHandover(request: HandoverRequest, signal: AbortSignal): Promise<HandoverResponse> {
    try {
      const p = this.#hosted(request.topic, request.partition);
      if (p.topicId !== request.topicId) throw new RunnelError('UNKNOWN_TOPIC', `Topic id ${request.topicId} is not the current incarnation of ${request.topic}`);
      const leaderEpoch = await this.#ctx.isr.handover(p, request.targetBrokerId, request.timeoutMs, signal);
      return { leaderEpoch };
    } catch (err) {
      return { error: toWireError(err), leaderEpoch: -1 };
    }
  }

  async handover(topic: string, partition: number, target: number, options: { timeoutMs: number; signal?: AbortSignal }): Promise<number> {
    const p = this.#hosted(topic, partition);
    return this.#ctx.isr.handover(p, target, options.timeoutMs, options.signal ?? this.#ctx.signal);
  }

  /** The local replica for a handover, or the lookup's error (handover needs the replica, led or not). */
  #hosted(topic: string, partition: number): ReplicatedPartition {
    const p = this.directory.get(topic, partition);
    if (p !== undefined) return p;
    const err = this.directory.leaderFor(topic, partition);
    throw err instanceof RunnelError ? err : new RunnelError('NOT_LEADER', `Broker ${this.brokerId} hosts no replica of ${topic}-${partition}`, { leaderHint: -1 });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ctx = this.#ctx;
    // Rule 12: stop following and taking leaderships (peers then skip this broker), hand leaderships
    // to in-sync followers that are still fetching (best effort, bounded), then stop. A partition no
    // follower took stays led here until the Lease release below, which its ISR sees as a death.
    this.#drain.abort();
    if (this.#started && this.#lease.fenced === undefined) {
      const { clock, timing } = ctx.options;
      const handovers = Promise.allSettled([...ctx.partitions.values()].filter((p) => p.role === 'leader').map((p) => ctx.isr.handOverToAnyone(p, timing.leaseDurationMs)));
      // Each handover is bounded; this bounds the phase as a whole (a CAS or a partition lock that hangs).
      const cap = new AbortController();
      await Promise.race([handovers, clock.sleep(timing.leaseDurationMs + timing.requestTimeoutMs, cap.signal).catch(() => undefined)]);
      cap.abort();
    }
    this.#stop.abort();
    await Promise.allSettled(this.#loops);
    await this.#provisioning.idle();
    for (const p of ctx.partitions.values()) p.markClosed();
    await Promise.allSettled([...ctx.partitions.values()].map(async (p) => {
      await p.settleAppends();
      await p.exclusive(async () => {
        await p.log.flush();
        await p.log.close();
      });
    }));
    await this.#lease.release();
  }

  crash(): void {
    this.#closed = true;
    this.#lease.stop();
    this.#stop.abort();
    for (const p of this.#ctx.partitions.values()) p.markClosed();
  }
}


/**
 * Why a log could not be opened, for clients: a system error by its code and call (its message
 * holds server paths), anything else by its message with absolute paths cut to their last part.
 */
function openFailure(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown; message?: unknown };
  if (typeof e.code === 'string' && typeof e.syscall === 'string' && /^E[A-Z]+$/.test(e.code)) return `${e.code} (${e.syscall})`;
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/(?:\/[^/\s'"]+)+\/([^/\s'"]+)/g, '$1');
}
