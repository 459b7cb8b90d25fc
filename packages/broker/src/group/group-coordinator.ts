import { RunnelError } from '@runnel/protocol';
import { ConsumerGroup, DEFAULT_GROUP_TIMERS, LEAVE_EPOCH, type GroupTimers, type HeartbeatRequest, type HeartbeatResponse } from './consumer-group.ts';
import { offsetsPartitionFor, validateGroupId } from './coordinator-partition.ts';
import { GroupRecordWriter, offsetCommitRecord, replayGroupRecords, type GroupRecord, type OffsetCommit } from './group-records.ts';
import { parsePartitionKey, partitionKey, type PartitionKey } from './partition-key.ts';

/**
 * The partitions of `__consumer_offsets` as the coordinator uses them. The broker implements it
 * over its one partition directory (acks=all produce, committed-only fetch); tests over memory.
 */
export interface OffsetsLog {
  /** The partition count of the offsets topic, or undefined while the topic does not exist. */
  partitionCount(): number | undefined;
  /**
   * This broker's leader epoch of offsets partition `partition` when it leads and serves it, else
   * the error saying why not (NOT_LEADER with a hint, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC, ...).
   */
  leaderEpoch(partition: number): number | RunnelError;
  /** Appends records with acks=all; resolves only once they are committed (past the HW). */
  append(partition: number, records: readonly GroupRecord[]): Promise<void>;
  /**
   * Every record of the partition from its log start up to its log end as of the call, once all
   * of them are committed (the HW has reached that log end): what a new leader replays.
   */
  readAll(partition: number): Promise<GroupRecord[]>;
  /** Resolves once a leadership this broker is taking over for the partition is in place (or at once when none is). */
  settle?(partition: number): Promise<void>;
}

/** Options of a {@link GroupCoordinator}. */
export interface GroupCoordinatorOptions {
  readonly log: OffsetsLog;
  /** Every topic a group may subscribe to, with its partition count (internal topics excluded). */
  readonly topics: () => ReadonlyMap<string, number>;
  /** Wall-clock milliseconds. @default Date.now */
  readonly now?: () => number;
  readonly timers?: Partial<GroupTimers>;
  /** Called with every error a background task (expiry, loading) hit. */
  readonly onBackgroundError?: (err: unknown, what: string) => void;
  /** Hooks for metrics. */
  readonly observer?: GroupObserver;
}

/** Events the coordinator reports (broker metrics count them). */
export interface GroupObserver {
  /** A group's epoch moved (a new target assignment was needed): a rebalance. */
  rebalance?(groupId: string): void;
  /** A member was removed by the coordinator: its session expired or it did not revoke in time. */
  expired?(groupId: string, reason: 'session-timeout' | 'rebalance-timeout'): void;
  /** A shard (an offsets partition) was loaded after this broker became its leader. */
  loaded?(partition: number, groups: number, durationMs: number): void;
}

/** One group as its coordinator keeps it. */
interface GroupEntry {
  readonly group: ConsumerGroup;
  readonly writer: GroupRecordWriter;
  readonly offsets: Map<PartitionKey, OffsetCommit>;
}

/** The groups of one offsets partition this broker leads, at one leader epoch. */
interface Shard {
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly loaded: Promise<void>;
  readonly groups: Map<string, GroupEntry>;
  /** Events run one at a time (Kafka's CoordinatorRuntime): each write is committed before the next event starts. */
  queue: Promise<unknown>;
}

/** A committed offset as OffsetFetch answers it. */
export interface CommittedOffsetView extends OffsetCommit {
  readonly topic: string;
  readonly partition: number;
}

/** What a group looks like to DescribeGroups (committed state only). */
export interface GroupView {
  readonly groupId: string;
  readonly state: ConsumerGroup['state'];
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly members: ReadonlyArray<{
    readonly memberId: string;
    readonly instanceId: string | undefined;
    readonly memberEpoch: number;
    readonly state: string;
    readonly topics: readonly string[];
    readonly pattern: string | undefined;
    readonly assigned: readonly PartitionKey[];
    readonly target: readonly PartitionKey[];
    readonly away: boolean;
  }>;
  readonly offsets: ReadonlyMap<PartitionKey, OffsetCommit>;
}

/** One partition of an OffsetCommit. */
export interface CommitPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
}

/** Kafka's `offset.metadata.max.bytes`. */
export const MAX_OFFSET_METADATA_BYTES = 4096;

/**
 * The group coordinator of one broker (KIP-848). A group's coordinator is the leader of its
 * offsets partition; for every offsets partition it leads, this broker replays the partition (a
 * shard) and then serves the groups in it, one event at a time. A write (heartbeat, commit,
 * delete, reset, expiry) is answered only once its records are committed; a read sees only
 * committed state, because the next event starts only after the previous write committed. When
 * the leadership moves, the shard is dropped and requests get NOT_COORDINATOR; a failed write
 * drops it too, so the state is rebuilt from what the log really holds.
 */
export class GroupCoordinator {
  readonly #log: OffsetsLog;
  readonly #topics: () => ReadonlyMap<string, number>;
  readonly #now: () => number;
  readonly #timers: GroupTimers;
  readonly #onError: (err: unknown, what: string) => void;
  readonly #observer: GroupObserver;
  readonly #shards = new Map<number, Shard>();

  constructor(options: GroupCoordinatorOptions) {
    this.#log = options.log;
    this.#topics = options.topics;
    this.#now = options.now ?? Date.now;
    this.#timers = { ...DEFAULT_GROUP_TIMERS, ...options.timers };
    this.#onError = options.onBackgroundError ?? (() => undefined);
    this.#observer = options.observer ?? {};
  }

  get timers(): GroupTimers {
    return this.#timers;
  }

  /**
   * The offsets partition of a group.
   * @throws RunnelError INVALID_GROUP_ID; COORDINATOR_NOT_AVAILABLE while the offsets topic does not exist
   */
  partitionOf(groupId: string): number {
    validateGroupId(groupId);
    const n = this.#log.partitionCount();
    if (n === undefined) throw new RunnelError('COORDINATOR_NOT_AVAILABLE', `The offsets topic does not exist yet, so group ${groupId} has no coordinator; retry shortly`);
    return offsetsPartitionFor(groupId, n);
  }

  /** Handles one heartbeat; answered once the resulting state is committed. */
  heartbeat(groupId: string, request: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.#write(groupId, (shard) => {
      let entry = shard.groups.get(groupId);
      let created = false;
      if (entry === undefined) {
        if (request.memberEpoch === LEAVE_EPOCH || request.memberEpoch === -2) {
          return { result: { memberId: request.memberId, memberEpoch: request.memberEpoch, heartbeatIntervalMs: this.#timers.heartbeatIntervalMs, assignment: undefined }, records: [] };
        }
        if (request.memberEpoch !== 0) {
          throw new RunnelError('UNKNOWN_MEMBER_ID', `Member ${request.memberId} is not in group ${groupId}: the group does not exist (it may have been deleted); rejoin with epoch 0`);
        }
        entry = { group: new ConsumerGroup(groupId, this.#timers), writer: new GroupRecordWriter(groupId), offsets: new Map() };
        created = true;
      }
      const epochBefore = entry.group.groupEpoch;
      let result: HeartbeatResponse;
      try {
        result = entry.group.heartbeat(request, this.#now(), this.#topics());
      } catch (err) {
        // The group may have changed before it threw (a fenced member is removed): persist that.
        if (created) throw err;
        const records = entry.writer.diff(entry.group.snapshot());
        if (entry.group.groupEpoch !== epochBefore) this.#observer.rebalance?.(groupId);
        return { error: err, records };
      }
      if (created) shard.groups.set(groupId, entry);
      if (entry.group.groupEpoch !== epochBefore) this.#observer.rebalance?.(groupId);
      return { result, records: entry.writer.diff(entry.group.snapshot()) };
    });
  }

  /**
   * Commits offsets, each fenced as KIP-1251 says. An empty member id with epoch −1 commits for an
   * admin or a manually assigned consumer: only while the group has no members (a group that does
   * not exist is created). Per-partition errors are returned, never thrown.
   * @throws RunnelError GROUP_ID_NOT_FOUND for a member commit to a group that does not exist
   */
  commitOffsets(groupId: string, memberId: string, memberEpoch: number, partitions: readonly CommitPartition[]): Promise<Array<RunnelError | undefined>> {
    return this.#write(groupId, (shard) => {
      let entry = shard.groups.get(groupId);
      let created = false;
      if (entry === undefined) {
        if (!(memberId === '' && memberEpoch === LEAVE_EPOCH)) {
          throw new RunnelError('GROUP_ID_NOT_FOUND', `Cannot commit offsets for member ${memberId} of group ${groupId}: the group does not exist`);
        }
        entry = { group: new ConsumerGroup(groupId, this.#timers), writer: new GroupRecordWriter(groupId), offsets: new Map() };
        created = true;
      }
      const topics = this.#topics();
      const now = this.#now();
      const records: GroupRecord[] = created ? entry.writer.diff(entry.group.snapshot()) : [];
      const accepted: Array<[PartitionKey, OffsetCommit]> = [];
      const errors = partitions.map((p): RunnelError | undefined => {
        const problem = checkPartition(topics, p.topic, p.partition);
        if (problem !== undefined) return problem;
        if (!Number.isSafeInteger(p.offset) || p.offset < 0) return new RunnelError('INVALID_REQUEST', `Cannot commit offset ${p.offset} for ${p.topic}-${p.partition}: expected an integer >= 0`);
        if (Buffer.byteLength(p.metadata) > MAX_OFFSET_METADATA_BYTES) {
          return new RunnelError('INVALID_REQUEST', `Cannot commit ${p.topic}-${p.partition}: metadata of ${Buffer.byteLength(p.metadata)} bytes is over the limit of ${MAX_OFFSET_METADATA_BYTES}`);
        }
        const key = partitionKey(p.topic, p.partition);
        const fenced = entry.group.validateCommit(memberId, memberEpoch, key);
        if (fenced !== undefined) return fenced;
        const commit: OffsetCommit = { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata: p.metadata, commitTimestamp: now };
        records.push(offsetCommitRecord(groupId, p.topic, p.partition, commit));
        accepted.push([key, commit]);
        return undefined;
      });
      const target = entry;
      return {
        result: errors,
        records,
        // Applied once committed: a read never sees an offset the log may not keep.
        after: () => {
          if (created) shard.groups.set(groupId, target);
          for (const [key, commit] of accepted) target.offsets.set(key, commit);
        },
      };
    });
  }

  /** The committed offsets of a group (all of them, or those asked for, -1 when none). */
  fetchOffsets(groupId: string, partitions?: ReadonlyArray<{ topic: string; partition: number }>): Promise<CommittedOffsetView[]> {
    return this.#read(groupId, (entry) => {
      if (partitions === undefined || partitions.length === 0) {
        return [...entry.offsets].map(([key, c]) => ({ ...parsePartitionKey(key), ...c })).sort(byPartition);
      }
      return partitions.map((p) => {
        const c = entry.offsets.get(partitionKey(p.topic, p.partition));
        return { topic: p.topic, partition: p.partition, ...(c ?? { offset: -1, leaderEpoch: -1, metadata: '', commitTimestamp: -1 }) };
      });
    });
  }

  /** A group's members, epochs, assignments and committed offsets. */
  describe(groupId: string): Promise<GroupView> {
    return this.#read(groupId, (entry) => {
      const g = entry.group;
      return {
        groupId,
        state: g.state,
        groupEpoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        members: g.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          memberEpoch: m.assignment.memberEpoch,
          state: m.assignment.state,
          topics: [...m.topics].sort(),
          pattern: m.pattern?.text,
          assigned: [...m.assignment.assigned.keys()],
          target: [...g.targetOf(m.memberId)],
          away: m.away,
        })),
        offsets: new Map(entry.offsets),
      };
    });
  }

  /** The groups this broker coordinates now (loaded shards only). */
  async listGroups(): Promise<Array<{ groupId: string; state: ConsumerGroup['state']; members: number }>> {
    const out: Array<{ groupId: string; state: ConsumerGroup['state']; members: number }> = [];
    for (const shard of [...this.#shards.values()]) {
      try {
        await shard.loaded;
      } catch {
        continue;
      }
      if (this.#shards.get(shard.partition) !== shard) continue;
      for (const [groupId, e] of shard.groups) out.push({ groupId, state: e.group.state, members: e.group.members.length });
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /**
   * Deletes a group with no members, and its committed offsets.
   * @throws RunnelError GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP
   */
  deleteGroup(groupId: string): Promise<void> {
    return this.#write(groupId, (shard) => {
      const entry = this.#entry(shard, groupId);
      const members = entry.group.members.length;
      if (members > 0) throw new RunnelError('NON_EMPTY_GROUP', `Cannot delete group ${groupId}: it has ${members} member(s); stop its consumers first`);
      const records = entry.writer.deleteAll();
      for (const key of entry.offsets.keys()) {
        const { topic, partition } = parsePartitionKey(key);
        records.push({ key: offsetCommitRecord(groupId, topic, partition, { offset: 0, leaderEpoch: -1, metadata: '', commitTimestamp: 0 }).key, value: null });
      }
      return { result: undefined, records, after: () => shard.groups.delete(groupId) };
    });
  }

  /**
   * Sets committed offsets of a group with no members (ResetOffsets after its offsets were
   * computed). With `dryRun`, checks and writes nothing.
   * @throws RunnelError GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP
   */
  resetOffsets(groupId: string, offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>, dryRun: boolean): Promise<void> {
    return this.#write(groupId, (shard) => {
      const entry = this.#entry(shard, groupId);
      const members = entry.group.members.length;
      if (members > 0) {
        throw new RunnelError('NON_EMPTY_GROUP', `Cannot reset the offsets of group ${groupId}: it has ${members} member(s) (${entry.group.state}); stop its consumers first`);
      }
      if (dryRun) return { result: undefined, records: [] };
      const now = this.#now();
      const commits = offsets.map((o) => [o, { offset: o.offset, leaderEpoch: -1, metadata: '', commitTimestamp: now }] as const);
      return {
        result: undefined,
        records: commits.map(([o, c]) => offsetCommitRecord(groupId, o.topic, o.partition, c)),
        after: () => {
          for (const [o, c] of commits) entry.offsets.set(partitionKey(o.topic, o.partition), c);
        },
      };
    });
  }

  /**
   * Periodic work: drops shards this broker no longer leads, loads those it now leads, and removes
   * members whose session or rebalance timeout expired (writing the change).
   */
  tick(): void {
    const n = this.#log.partitionCount();
    if (n === undefined) return;
    for (const shard of [...this.#shards.values()]) {
      const epoch = this.#log.leaderEpoch(shard.partition);
      if (epoch !== shard.leaderEpoch) this.#shards.delete(shard.partition);
    }
    for (let p = 0; p < n; p++) {
      if (typeof this.#log.leaderEpoch(p) === 'number' && !this.#shards.has(p)) {
        this.#shardAt(p).catch((err: unknown) => this.#onError(err, `loading offsets partition ${p}`));
      }
    }
    for (const shard of this.#shards.values()) {
      for (const groupId of shard.groups.keys()) {
        this.#write(groupId, (s) => {
          const entry = s.groups.get(groupId);
          if (entry === undefined) return { result: undefined, records: [] };
          const expired = entry.group.expire(this.#now());
          for (const e of expired) this.#observer.expired?.(groupId, e.reason);
          if (expired.length > 0) this.#observer.rebalance?.(groupId);
          return { result: undefined, records: expired.length === 0 ? [] : entry.writer.diff(entry.group.snapshot()) };
        }).catch((err: unknown) => this.#onError(err, `expiring members of group ${groupId}`));
      }
    }
  }

  /** Every loaded group with its committed offsets (for lag metrics). */
  loadedGroups(): Array<{ groupId: string; members: number; offsets: ReadonlyMap<PartitionKey, OffsetCommit> }> {
    const out: Array<{ groupId: string; members: number; offsets: ReadonlyMap<PartitionKey, OffsetCommit> }> = [];
    for (const shard of this.#shards.values()) for (const [groupId, e] of shard.groups) out.push({ groupId, members: e.group.members.length, offsets: e.offsets });
    return out;
  }

  /** The number of offsets partitions this broker coordinates now (loaded). */
  get shardCount(): number {
    return this.#shards.size;
  }

  #entry(shard: Shard, groupId: string): GroupEntry {
    const entry = shard.groups.get(groupId);
    if (entry === undefined) throw new RunnelError('GROUP_ID_NOT_FOUND', `Group ${groupId} does not exist`);
    return entry;
  }

  /** The loaded shard of the partition, when this broker leads it (loading it first if needed). */
  async #shardAt(partition: number): Promise<Shard> {
    let epoch = this.#log.leaderEpoch(partition);
    if (typeof epoch !== 'number' && this.#log.settle !== undefined) {
      await this.#log.settle(partition);
      epoch = this.#log.leaderEpoch(partition);
    }
    if (typeof epoch !== 'number') throw coordinatorError(epoch, partition);
    let shard = this.#shards.get(partition);
    if (shard === undefined || shard.leaderEpoch !== epoch) {
      const groups = new Map<string, GroupEntry>();
      const started = this.#now();
      const loaded = (async () => {
        const records = await this.#log.readAll(partition);
        const replayed = replayGroupRecords(records, this.#now(), this.#timers);
        for (const [groupId, group] of replayed.groups) groups.set(groupId, { group, writer: new GroupRecordWriter(groupId, group.snapshot()), offsets: replayed.offsets.get(groupId) ?? new Map() });
        // Offsets of a group whose state records were never written (impossible today) still count.
        for (const [groupId, offsets] of replayed.offsets) {
          if (!groups.has(groupId)) groups.set(groupId, { group: new ConsumerGroup(groupId, this.#timers), writer: new GroupRecordWriter(groupId), offsets });
        }
        this.#observer.loaded?.(partition, groups.size, this.#now() - started);
      })();
      const fresh: Shard = { partition, leaderEpoch: epoch, loaded, groups, queue: loaded };
      shard = fresh;
      this.#shards.set(partition, fresh);
      loaded.catch(() => {
        if (this.#shards.get(partition) === fresh) this.#shards.delete(partition);
      });
    }
    try {
      await shard.loaded;
    } catch (err) {
      throw new RunnelError('COORDINATOR_NOT_AVAILABLE', `Cannot load the groups of offsets partition ${partition}: ${(err as Error).message}; retry`, { cause: err });
    }
    return shard;
  }

  /** Runs a read on the group's committed state. @throws GROUP_ID_NOT_FOUND */
  async #read<T>(groupId: string, fn: (entry: GroupEntry) => T): Promise<T> {
    const partition = this.partitionOf(groupId);
    const shard = await this.#shardAt(partition);
    return this.#enqueue(shard, () => {
      this.#checkCurrent(shard);
      return fn(this.#entry(shard, groupId));
    });
  }

  /** Runs a write: `fn` changes state and returns records; the answer waits for their commit. */
  async #write<T>(groupId: string, fn: (shard: Shard) => { result?: T; error?: unknown; records: GroupRecord[]; after?: () => void }): Promise<T> {
    const partition = this.partitionOf(groupId);
    const shard = await this.#shardAt(partition);
    return this.#enqueue(shard, async () => {
      this.#checkCurrent(shard);
      const out = fn(shard);
      if (out.records.length > 0) {
        try {
          await this.#log.append(partition, out.records);
        } catch (err) {
          // The state here is ahead of the log: drop it, so the next request rebuilds it from the log.
          if (this.#shards.get(partition) === shard) this.#shards.delete(partition);
          throw coordinatorError(err, partition);
        }
      }
      out.after?.();
      if (out.error !== undefined) throw out.error;
      return out.result as T;
    });
  }

  #enqueue<T>(shard: Shard, fn: () => T | Promise<T>): Promise<T> {
    const run = shard.queue.then(fn, fn);
    shard.queue = run.catch(() => undefined);
    return run;
  }

  /** Fails with NOT_COORDINATOR when the shard was dropped, or leadership moved, while the event waited. */
  #checkCurrent(shard: Shard): void {
    // Checked per event, not only per tick: a broker that lost the partition must not answer reads from its stale state.
    if (this.#shards.get(shard.partition) === shard && this.#log.leaderEpoch(shard.partition) !== shard.leaderEpoch) this.#shards.delete(shard.partition);
    if (this.#shards.get(shard.partition) !== shard) {
      throw new RunnelError('NOT_COORDINATOR', `This broker no longer coordinates the groups of offsets partition ${shard.partition}; find the coordinator again`);
    }
  }
}

/** Maps an offsets-partition problem to the error a group client acts on. */
export function coordinatorError(err: unknown, partition: number): unknown {
  if (!(err instanceof RunnelError)) return err;
  switch (err.code) {
    case 'NOT_LEADER':
    case 'FENCED_LEADER_EPOCH':
    case 'UNKNOWN_LEADER_EPOCH':
      return new RunnelError('NOT_COORDINATOR', `This broker is not the coordinator of offsets partition ${partition}: ${err.message}`, { cause: err, ...(err.leaderHint === undefined ? {} : { leaderHint: err.leaderHint }) });
    case 'LEADER_NOT_AVAILABLE':
    case 'NOT_ENOUGH_REPLICAS':
    case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
    case 'REQUEST_TIMED_OUT':
    case 'BROKER_NOT_AVAILABLE':
    case 'UNKNOWN_TOPIC':
    case 'UNKNOWN_PARTITION':
    case 'STORAGE_ERROR':
    case 'DISK_FULL':
      return new RunnelError('COORDINATOR_NOT_AVAILABLE', `The coordinator of offsets partition ${partition} is not available: ${err.message}`, { cause: err });
    default:
      return err;
  }
}

function checkPartition(topics: ReadonlyMap<string, number>, topic: string, partition: number): RunnelError | undefined {
  const count = topics.get(topic);
  if (count === undefined) return new RunnelError('UNKNOWN_TOPIC', `Cannot commit an offset for topic ${JSON.stringify(topic)}: it does not exist`);
  if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
    return new RunnelError('UNKNOWN_PARTITION', `Cannot commit an offset for ${topic}-${partition}: topic ${topic} has partitions 0..${count - 1}`);
  }
  return undefined;
}

function byPartition(a: { topic: string; partition: number }, b: { topic: string; partition: number }): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
