import * as grpc from '@grpc/grpc-js';
import { loadRunnelGrpc, RunnelError, type GroupClient, type GroupTopicPartitions__Output } from '@runnel/protocol';
import { unaryCall } from './broker-connections.ts';
import { Notifier } from './notifier.ts';

/** Options of `consumer.subscribe` (a consumer group member, Kafka's KIP-848 protocol). */
export interface SubscribeOptions {
  /** The group to join: 1-255 characters. */
  groupId: string;
  /** Topics to subscribe to; or `pattern`. */
  topics?: readonly string[];
  /** A regular expression over whole topic names (anchored by the broker); or `topics`. */
  pattern?: string;
  /** Static membership: the same id (e.g. the pod name) rejoins within the session timeout without a rebalance. */
  instanceId?: string;
  /** The server assignor. @default 'uniform' */
  assignor?: 'uniform' | 'range';
  /** Commit the positions of owned partitions this often; 0 commits only on revocation, close() and commit(). @default 5000 */
  autoCommitIntervalMs?: number;
  /** How long this member may take to give up partitions. @default 300000 */
  rebalanceTimeoutMs?: number;
  /** Aborting it is close(): the member commits, leaves the group, and iteration ends. */
  signal?: AbortSignal;
  /**
   * Called with newly assigned partitions, after their committed offsets were fetched and before
   * any of their records is delivered. Awaited.
   */
  onAssigned?: (partitions: TopicPartition[]) => void | Promise<void>;
  /**
   * Called with partitions being revoked, after their delivery stopped and the record the
   * application holds (if of one of them) was handed back, before their positions are committed
   * and they are released to another member. Awaited (up to the rebalance timeout), so the
   * application can finish work or commit elsewhere first.
   */
  onRevoked?: (partitions: TopicPartition[]) => void | Promise<void>;
  /** Called with partitions lost without a commit (the member was fenced or expired). */
  onLost?: (partitions: TopicPartition[]) => void | Promise<void>;
}

/** A topic partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Group events for the consumer's status stream. */
export type GroupEvent =
  | { type: 'partitionsAssigned'; groupId: string; partitions: TopicPartition[] }
  | { type: 'partitionsRevoked'; groupId: string; partitions: TopicPartition[] }
  | { type: 'partitionsLost'; groupId: string; partitions: TopicPartition[]; error: RunnelError }
  | { type: 'groupError'; groupId: string; error: RunnelError };

/** What a membership needs from its consumer. */
export interface MembershipHost {
  /**
   * Where to ask FindCoordinator, in order (the consumer's metadata: the broker that answered
   * last, the bootstrap list, then every broker the cluster lists).
   */
  addresses(): readonly string[];
  readonly requestTimeoutMs: number;
  readonly autoOffsetReset: 'earliest' | 'latest' | 'none';
  /** Replaces the consumer's assignment (partitions kept keep their position). */
  assign(partitions: ReadonlyArray<{ topic: string; partition: number }>): void;
  /** Stops fetching and delivering these partitions (the first step of a revocation). */
  stopDelivery(partitions: readonly TopicPartition[]): void;
  /** Resolves once the application holds no record of these partitions, or after `timeoutMs`. */
  settled(partitions: readonly TopicPartition[], timeoutMs: number): Promise<void>;
  /** Publishes a group event on the status stream. */
  emit(event: GroupEvent): void;
  /** Starts a newly assigned partition at `offset`, or per autoOffsetReset when undefined. */
  start(tp: { topic: string; partition: number }, offset: number | undefined): void;
  /** The offset after the last record the application is done with, if any. */
  processed(tp: { topic: string; partition: number }): number | undefined;
  /** The offset after the last record handed to the application, if any was. */
  delivered(tp: { topic: string; partition: number }): number | undefined;
  /** Ends iteration with this error (the group cannot be used: bad subscription, unknown group, ...). */
  fail(err: Error): void;
}

const key = (tp: { topic: string; partition: number }): string => `${tp.topic}\u0000${tp.partition}`;
const RETRIABLE_COORDINATOR = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'BROKER_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'CANCELLED']);

/**
 * One consumer's membership of a group: heartbeats at the interval the coordinator sets, follows
 * the assignment it answers (committing and releasing revoked partitions before it reports them
 * gone, so no other member starts them before this one's commits), finds the coordinator again
 * after NOT_COORDINATOR, rejoins with the same member id when fenced, and auto-commits.
 */
export class GroupMembership {
  readonly #host: MembershipHost;
  readonly #options: SubscribeOptions;
  readonly #memberId = crypto.randomUUID();
  readonly #stop = new AbortController();
  readonly #clients = new Map<string, GroupClient>();
  #epoch = 0;
  #owned: Array<{ topic: string; partition: number }> = [];
  #coordinator: string | undefined;
  #committed = new Map<string, number>();
  #loop: Promise<void> | undefined;
  #lastCommit = Date.now();
  /** Partitions being revoked now, and the revocations in progress. */
  readonly #revoking = new Set<string>();
  readonly #revocations = new Set<Promise<void>>();
  /** Wakes the heartbeat loop early (a revocation finished). */
  readonly #wake = new Notifier();

  constructor(host: MembershipHost, options: SubscribeOptions) {
    if (typeof options.groupId !== 'string' || options.groupId.length === 0 || options.groupId.length > 255) {
      throw new RunnelError('INVALID_GROUP_ID', `Invalid group id ${JSON.stringify(options.groupId)}: expected 1-255 characters`);
    }
    if ((options.topics === undefined) === (options.pattern === undefined)) {
      throw new RunnelError('INVALID_REQUEST', `Cannot subscribe to group ${options.groupId}: give exactly one of topics or pattern`);
    }
    this.#host = host;
    this.#options = options;
  }

  get memberId(): string {
    return this.#memberId;
  }

  start(): void {
    this.#loop = this.#run().catch((err: unknown) => {
      if (!this.#stop.signal.aborted) this.#host.fail(err instanceof Error ? err : new Error(String(err)));
    });
  }

  /**
   * Commits the positions of the owned partitions that moved since their last commit: what was
   * processed (automatic commits) or what was delivered (an explicit commit()).
   * Rejects with the first partition's error when the coordinator refused some.
   */
  async commit(partitions: ReadonlyArray<{ topic: string; partition: number }> = this.#owned, upTo: 'processed' | 'delivered' = 'processed'): Promise<void> {
    const changed = partitions
      .map((tp) => ({ ...tp, offset: upTo === 'processed' ? this.#host.processed(tp) : this.#host.delivered(tp) }))
      // An automatic commit only moves forward (a record the application still holds must not
      // undo what an explicit commit() already covered); an explicit one commits what it was told.
      .filter((p): p is { topic: string; partition: number; offset: number } => {
        if (p.offset === undefined) return false;
        const last = this.#committed.get(key(p));
        return upTo === 'processed' ? p.offset > (last ?? -1) : p.offset !== last;
      });
    if (changed.length === 0 || this.#epoch <= 0) return;
    const client = await this.#client();
    const res = await unaryCall<{ partitions: Array<{ topic: string; partition: number; error: { code: string; message: string } | null }> }>(
      (o, cb) => client.OffsetCommit({ groupId: this.#options.groupId, memberId: this.#memberId, memberEpoch: this.#epoch, partitions: changed.map((p) => ({ ...p, leaderEpoch: -1 })) }, o, cb as never),
      { timeoutMs: this.#host.requestTimeoutMs, what: `OffsetCommit of group ${this.#options.groupId}` },
    );
    let failed: RunnelError | undefined;
    res.partitions.forEach((p, i) => {
      if (p.error == null) this.#committed.set(key(changed[i]!), changed[i]!.offset);
      else failed ??= new RunnelError(p.error.code as RunnelError['code'], p.error.message);
    });
    this.#lastCommit = Date.now();
    if (failed !== undefined) throw failed;
  }

  /** Commits, leaves the group (a static member only for its session timeout), and stops. */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    await this.#loop;
    await Promise.all([...this.#revocations]);
    try {
      await this.commit();
      if (this.#epoch > 0) {
        const client = await this.#client();
        await unaryCall((o, cb) => client.Heartbeat({ groupId: this.#options.groupId, memberId: this.#memberId, memberEpoch: this.#options.instanceId === undefined ? -1 : -2 }, o, cb), {
          timeoutMs: this.#host.requestTimeoutMs,
          what: `leaving group ${this.#options.groupId}`,
        });
      }
    } catch {
      // The coordinator will expire the member after its session timeout.
    } finally {
      for (const c of this.#clients.values()) c.close();
      this.#clients.clear();
    }
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let backoff = 100;
    while (!signal.aborted) {
      let wait: number;
      try {
        wait = await this.#heartbeat();
        backoff = 100;
        const every = this.#options.autoCommitIntervalMs ?? 5000;
        if (every > 0 && Date.now() - this.#lastCommit >= every) await this.commit().catch((err: unknown) => this.#report(err));
        if (every > 0) wait = Math.min(wait, Math.max(0, this.#lastCommit + every - Date.now()));
      } catch (err) {
        if (signal.aborted) return;
        const code = err instanceof RunnelError ? err.code : '';
        if (code === 'FENCED_MEMBER_EPOCH' || code === 'UNKNOWN_MEMBER_ID') {
          // Lost: drop every partition without committing (another member may own them now) and rejoin.
          const lost = this.#owned;
          this.#owned = [];
          this.#host.assign([]);
          for (const tp of lost) this.#committed.delete(key(tp));
          this.#epoch = 0;
          wait = 0;
          if (lost.length > 0) {
            this.#host.emit({ type: 'partitionsLost', groupId: this.#options.groupId, partitions: lost, error: err as RunnelError });
            await this.#hook('onLost', lost);
          }
        } else if (RETRIABLE_COORDINATOR.has(code) || (err instanceof RunnelError && err.retriable)) {
          this.#report(err);
          this.#coordinator = undefined;
          wait = backoff;
          backoff = Math.min(backoff * 2, 2000);
        } else throw err;
      }
      await this.#wake.wait(signal, wait);
    }
  }

  /** One heartbeat; returns how long to wait before the next. */
  async #heartbeat(): Promise<number> {
    const client = await this.#client();
    const o = this.#options;
    const byTopic = new Map<string, number[]>();
    for (const tp of this.#owned) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const res = await unaryCall<{ memberEpoch: number; heartbeatIntervalMs: number; hasAssignment: boolean; assignment: GroupTopicPartitions__Output[] }>(
      (opts, cb) =>
        client.Heartbeat(
          {
            groupId: o.groupId,
            memberId: this.#memberId,
            memberEpoch: this.#epoch,
            ...(o.instanceId === undefined ? {} : { instanceId: o.instanceId }),
            ...(o.rebalanceTimeoutMs === undefined ? {} : { rebalanceTimeoutMs: o.rebalanceTimeoutMs }),
            ...(o.assignor === undefined ? {} : { serverAssignor: o.assignor }),
            ...(o.topics === undefined ? {} : { subscribedTopicNames: [...o.topics], subscribedTopicNamesSet: true }),
            ...(o.pattern === undefined ? {} : { subscribedTopicRegex: o.pattern }),
            ownedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
            ownedPartitionsSet: true,
          },
          opts,
          cb as never,
        ),
      { timeoutMs: this.#host.requestTimeoutMs, signal: this.#stop.signal, what: `Heartbeat of group ${o.groupId}` },
    );
    this.#epoch = res.memberEpoch;
    if (!res.hasAssignment) return res.heartbeatIntervalMs;
    const next = res.assignment.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition })));
    const nextKeys = new Set(next.map(key));
    const ownedKeys = new Set(this.#owned.map(key));
    const revoked = this.#owned.filter((tp) => !nextKeys.has(key(tp)));
    const added = next.filter((tp) => !ownedKeys.has(key(tp)));
    const revoking = revoked.filter((tp) => !this.#revoking.has(key(tp)));
    if (revoking.length > 0) {
      // Heartbeats go on (still reporting these partitions as owned) while the revocation runs.
      const done = this.#revoke(revoking).finally(() => {
        this.#revocations.delete(done);
        this.#wake.notify(); // report the release at once
      });
      this.#revocations.add(done);
    }
    if (added.length > 0) {
      const committed = await this.#fetchCommitted(client, added);
      await this.#hook('onAssigned', added);
      this.#owned = [...this.#owned, ...added];
      this.#host.assign(this.#owned);
      for (const tp of added) {
        const offset = committed.get(key(tp));
        if (offset !== undefined) this.#committed.set(key(tp), offset);
        this.#host.start(tp, offset);
      }
      this.#host.emit({ type: 'partitionsAssigned', groupId: o.groupId, partitions: added });
    }
    return res.heartbeatIntervalMs;
  }

  /**
   * Revocation finishes before a heartbeat reports the partitions gone: delivery stops, the record
   * the application holds is handed back (up to the rebalance timeout), the onRevoked hook runs,
   * positions are committed, and only then are the partitions released.
   */
  async #revoke(revoked: TopicPartition[]): Promise<void> {
    const o = this.#options;
    for (const tp of revoked) this.#revoking.add(key(tp));
    try {
      this.#host.stopDelivery(revoked);
      await this.#host.settled(revoked, o.rebalanceTimeoutMs ?? 300_000);
      await this.#hook('onRevoked', revoked);
      await this.commit(revoked).catch((err: unknown) => this.#report(err));
    } finally {
      const gone = new Set(revoked.map(key));
      const wasOwned = this.#owned.some((tp) => gone.has(key(tp)));
      this.#owned = this.#owned.filter((tp) => !gone.has(key(tp)));
      this.#host.assign(this.#owned);
      for (const k of gone) {
        this.#committed.delete(k);
        this.#revoking.delete(k);
      }
      if (wasOwned) this.#host.emit({ type: 'partitionsRevoked', groupId: o.groupId, partitions: revoked });
    }
  }

  /** Runs an application hook; a hook that throws is reported on the status stream, not fatal. */
  async #hook(name: 'onAssigned' | 'onRevoked' | 'onLost', partitions: TopicPartition[]): Promise<void> {
    const fn = this.#options[name];
    if (fn === undefined) return;
    try {
      await fn(partitions.map((tp) => ({ ...tp })));
    } catch (err) {
      this.#report(new RunnelError('UNKNOWN_SERVER_ERROR', `The ${name} hook of group ${this.#options.groupId} threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }

  #report(err: unknown): void {
    const error = err instanceof RunnelError ? err : new RunnelError('UNKNOWN_SERVER_ERROR', err instanceof Error ? err.message : String(err), { cause: err });
    this.#host.emit({ type: 'groupError', groupId: this.#options.groupId, error });
  }

  async #fetchCommitted(client: GroupClient, partitions: ReadonlyArray<{ topic: string; partition: number }>): Promise<Map<string, number>> {
    const byTopic = new Map<string, number[]>();
    for (const tp of partitions) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const res = await unaryCall<{ offsets: Array<{ topic: string; partition: number; offset: number }> }>(
      (o, cb) => client.OffsetFetch({ groupId: this.#options.groupId, partitions: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })) }, o, cb as never),
      { timeoutMs: this.#host.requestTimeoutMs, signal: this.#stop.signal, what: `OffsetFetch of group ${this.#options.groupId}` },
    );
    const out = new Map<string, number>();
    for (const o of res.offsets) if (Number(o.offset) >= 0) out.set(key(o), Number(o.offset));
    return out;
  }

  /** The coordinator's Group client, found through any broker that answers. */
  async #client(): Promise<GroupClient> {
    if (this.#coordinator === undefined) {
      let last: unknown;
      for (const address of this.#host.addresses()) {
        try {
          const res = await unaryCall<{ nodeId: number; host: string; port: number; error: { code: string; message: string } | null }>(
            (o, cb) => this.#group(address).FindCoordinator({ groupId: this.#options.groupId }, o, cb as never),
            { timeoutMs: this.#host.requestTimeoutMs, signal: this.#stop.signal, what: `FindCoordinator of group ${this.#options.groupId}` },
          );
          if (res.error == null && res.nodeId >= 0) {
            this.#coordinator = `${res.host}:${res.port}`;
            break;
          }
          last = new RunnelError('COORDINATOR_NOT_AVAILABLE', res.error?.message ?? `Group ${this.#options.groupId} has no coordinator yet`);
        } catch (err) {
          if (err instanceof RunnelError && !err.retriable) throw err;
          last = err;
        }
      }
      if (this.#coordinator === undefined) throw last instanceof Error ? last : new RunnelError('COORDINATOR_NOT_AVAILABLE', `No coordinator for group ${this.#options.groupId}`);
    }
    return this.#group(this.#coordinator);
  }

  #group(address: string): GroupClient {
    let c = this.#clients.get(address);
    if (c === undefined) {
      const { runnel } = loadRunnelGrpc();
      c = new runnel.v1.Group(address, grpc.credentials.createInsecure()) as unknown as GroupClient;
      this.#clients.set(address, c);
    }
    return c;
  }
}
