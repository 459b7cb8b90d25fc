import { fromWireError, RunnelError, type GroupClient, type GroupDescription__Output, type ResetOffsetsResponse__Output, type ResetSpec, type WireErrorInput } from '@runnel/protocol';
import type { BrokerConnections } from './broker-connections.ts';
import { unaryCall } from './broker-connections.ts';
import type { ClusterMetadata } from './cluster-metadata.ts';
import { delay } from './delay.ts';
import { fullJitterDelay } from './retry.ts';

/** A partition of a topic. */
interface TopicPartition {
  topic: string;
  partition: number;
}

/** A group as ListGroups reports it. */
export interface GroupListing {
  groupId: string;
  /** Empty, Reconciling or Stable. */
  state: string;
  members: number;
  coordinatorId: number;
}

/** One member of a group. */
export interface GroupMemberInfo {
  memberId: string;
  /** Static membership id, or undefined. */
  instanceId: string | undefined;
  memberEpoch: number;
  /** STABLE, UNREVOKED_PARTITIONS or UNRELEASED_PARTITIONS. */
  state: string;
  topics: string[];
  pattern: string | undefined;
  /** What the member owns now. */
  assignment: TopicPartition[];
  /** What the coordinator wants it to own once reconciled. */
  targetAssignment: TopicPartition[];
  /** A static member that left for a while (epoch -2) and may come back. */
  away: boolean;
}

/** A partition's committed offset and lag. */
export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** -1 when nothing is committed. */
  committedOffset: number;
  /** The partition's high watermark, or -1 when unknown. */
  logEndOffset: number;
  /** Records behind the log end (from the log start when nothing is committed), or -1 when unknown. */
  lag: number;
  /** The member that owns the partition, if any. */
  memberId: string | undefined;
  error: RunnelError | undefined;
}

/** A group with members, epochs and per-partition lag. */
export interface GroupDescription {
  groupId: string;
  state: string;
  groupEpoch: number;
  assignmentEpoch: number;
  coordinatorId: number;
  members: GroupMemberInfo[];
  offsets: GroupPartitionLag[];
}

/** Where {@link GroupAdmin.resetOffsets} moves committed offsets. */
export type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { durationMs: number };

/** One partition's reset. */
export interface OffsetResetResult {
  topic: string;
  partition: number;
  /** -1 when nothing was committed. */
  previousOffset: number;
  newOffset: number;
  error: RunnelError | undefined;
}

const RETRY_CODES = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'BROKER_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'LEADER_NOT_AVAILABLE']);

/** A broker that cannot be reached: try another. */
const UNREACHABLE = new Set(['BROKER_NOT_AVAILABLE', 'REQUEST_TIMED_OUT']);

const wire = (e: WireErrorInput | null | undefined): RunnelError | undefined => (e == null ? undefined : fromWireError(e));

/**
 * Consumer group administration (Kafka's `kafka-consumer-groups`): every call but list goes to
 * the group's coordinator, found again (with back-off) while the coordinator moves.
 */
export class GroupAdmin {
  readonly #connections: BrokerConnections;
  readonly #metadata: ClusterMetadata;
  readonly #timeoutMs: number;

  constructor(connections: BrokerConnections, metadata: ClusterMetadata, timeoutMs: number) {
    this.#connections = connections;
    this.#metadata = metadata;
    this.#timeoutMs = timeoutMs;
  }

  /** Every group of the cluster; `errors` names brokers that did not answer (their groups are missing). */
  async listGroups(signal?: AbortSignal): Promise<{ groups: GroupListing[]; errors: RunnelError[] }> {
    const res = await this.#onAnyBroker(signal, (group) => unaryCall<{ groups: GroupListing[]; errors: WireErrorInput[] }>((o, cb) => group.ListGroups({ allBrokers: true }, o, cb as never), { timeoutMs: this.#timeoutMs, signal, what: 'ListGroups' }));
    return { groups: res.groups.map((g) => ({ groupId: g.groupId, state: g.state, members: g.members, coordinatorId: g.coordinatorId })), errors: res.errors.map((e) => fromWireError(e)) };
  }

  /** Describes groups; rejects with the first group's error (GROUP_ID_NOT_FOUND, INVALID_GROUP_ID, ...). */
  async describeGroups(groupIds: readonly string[], signal?: AbortSignal): Promise<GroupDescription[]> {
    return Promise.all(groupIds.map(async (groupId) => {
      const res = await this.#onCoordinator(groupId, signal, 'DescribeGroups', (g, o, cb) => g.DescribeGroups({ groupIds: [groupId] }, o, cb as never), (r) => wire((r as { groups: GroupDescription__Output[] }).groups[0]?.error)) as { groups: GroupDescription__Output[] };
      const d = res.groups[0];
      if (d === undefined) throw new RunnelError('UNKNOWN_SERVER_ERROR', `DescribeGroups of ${groupId} answered no group`);
      const tps = (list: ReadonlyArray<{ topic: string; partitions: number[] }>): TopicPartition[] => list.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition })));
      return {
        groupId: d.groupId,
        state: d.state,
        groupEpoch: d.groupEpoch,
        assignmentEpoch: d.assignmentEpoch,
        coordinatorId: d.coordinatorId,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId === '' ? undefined : m.instanceId,
          memberEpoch: m.memberEpoch,
          state: m.state,
          topics: [...m.subscribedTopicNames],
          pattern: m.subscribedTopicRegex === '' ? undefined : m.subscribedTopicRegex,
          assignment: tps(m.assignment),
          targetAssignment: tps(m.targetAssignment),
          away: m.away,
        })),
        offsets: d.offsets.map((p) => ({
          topic: p.topic,
          partition: p.partition,
          committedOffset: Number(p.committedOffset),
          logEndOffset: Number(p.logEndOffset),
          lag: Number(p.lag),
          memberId: p.memberId === '' ? undefined : p.memberId,
          error: wire(p.error),
        })),
      };
    }));
  }

  /** Deletes groups that have no members, with their committed offsets; rejects with the first failure. */
  async deleteGroups(groupIds: readonly string[], signal?: AbortSignal): Promise<void> {
    for (const groupId of groupIds) {
      await this.#onCoordinator(groupId, signal, 'DeleteGroups', (g, o, cb) => g.DeleteGroups({ groupIds: [groupId] }, o, cb as never), (r) => wire((r as { groups: Array<{ error: WireErrorInput | null }> }).groups[0]?.error));
    }
  }

  /**
   * Moves a group's committed offsets (only while it has no members; NON_EMPTY_GROUP otherwise).
   * `partitions` (default: every partition the group has committed) may name whole topics.
   * With `dryRun` nothing is written. Per-partition failures are in the results.
   */
  async resetOffsets(groupId: string, target: ResetTarget, options: { partitions?: ReadonlyArray<{ topic: string; partitions?: number[] }>; dryRun?: boolean; signal?: AbortSignal } = {}): Promise<OffsetResetResult[]> {
    const spec = resetSpec(target);
    const req = {
      groupId,
      partitions: (options.partitions ?? []).map((tp) => ({ topic: tp.topic, partitions: tp.partitions ?? [] })),
      dryRun: options.dryRun ?? false,
      ...spec,
    };
    const res = await this.#onCoordinator(groupId, options.signal, 'ResetOffsets', (g, o, cb) => g.ResetOffsets(req, o, cb as never)) as ResetOffsetsResponse__Output;
    return res.partitions.map((p) => ({ topic: p.topic, partition: p.partition, previousOffset: Number(p.previousOffset), newOffset: Number(p.newOffset), error: wire(p.error) }));
  }

  /** Calls the coordinator of `groupId`, finding it again after NOT_COORDINATOR, until the request timeout. */
  async #onCoordinator(groupId: string, signal: AbortSignal | undefined, what: string, start: (g: GroupClient, o: object, cb: (err: unknown, value?: unknown) => void) => unknown, failure: (res: unknown) => RunnelError | undefined = () => undefined): Promise<unknown> {
    const deadline = Date.now() + this.#timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const address = await this.#findCoordinator(groupId, signal);
        const { group } = this.#connections.get(address);
        const res = await unaryCall((o, cb) => start(group, o, cb as never) as never, { timeoutMs: this.#timeoutMs, signal, what: `${what} of group ${groupId}` });
        const err = failure(res);
        if (err !== undefined) throw err;
        return res;
      } catch (err) {
        const retry = err instanceof RunnelError && (RETRY_CODES.has(err.code) || err.retriable) && Date.now() < deadline && !signal?.aborted;
        if (!retry) throw err;
        await this.#metadata.refresh([], signal).catch(() => undefined);
        await delay(fullJitterDelay(attempt, { minDelayMs: 100, maxDelayMs: 1000 }), signal).catch(() => undefined);
      }
    }
  }

  async #findCoordinator(groupId: string, signal: AbortSignal | undefined): Promise<string> {
    const res = await this.#onAnyBroker(signal, (group) => unaryCall<{ nodeId: number; host: string; port: number; error: WireErrorInput | null }>((o, cb) => group.FindCoordinator({ groupId }, o, cb as never), { timeoutMs: this.#timeoutMs, signal, what: `FindCoordinator of group ${groupId}` }));
    const err = wire(res.error);
    if (err !== undefined) throw err;
    return `${res.host}:${res.port}`;
  }

  /**
   * Calls any broker: the one that answered metadata last, then the bootstrap list, then every
   * broker the cluster lists, moving on while a broker cannot be reached (the cluster's Metadata
   * still lists a killed broker, so the first listed one may be dead). Rejects with the last
   * failure when none answers.
   */
  async #onAnyBroker<T>(signal: AbortSignal | undefined, call: (group: GroupClient) => Promise<T>): Promise<T> {
    if (this.#metadata.brokers().length === 0) await this.#metadata.refresh([], signal);
    let last: unknown;
    for (const address of this.#metadata.addresses()) {
      try {
        return await call(this.#connections.get(address).group);
      } catch (err) {
        if (signal?.aborted || !(err instanceof RunnelError && UNREACHABLE.has(err.code))) throw err;
        last = err;
      }
    }
    throw last;
  }
}

function resetSpec(target: ResetTarget): { spec: ResetSpec; offset?: number; timestamp?: number; durationMs?: number } {
  if (target === 'earliest') return { spec: 'RESET_SPEC_EARLIEST' };
  if (target === 'latest') return { spec: 'RESET_SPEC_LATEST' };
  if (typeof target === 'object' && target !== null) {
    if ('offset' in target && Number.isSafeInteger(target.offset) && target.offset >= 0) return { spec: 'RESET_SPEC_OFFSET', offset: target.offset };
    if ('timestamp' in target && Number.isSafeInteger(target.timestamp) && target.timestamp >= 0) return { spec: 'RESET_SPEC_TIMESTAMP', timestamp: target.timestamp };
    if ('durationMs' in target && Number.isSafeInteger(target.durationMs) && target.durationMs >= 0) return { spec: 'RESET_SPEC_DURATION', durationMs: target.durationMs };
  }
  throw new RunnelError('INVALID_REQUEST', `Invalid reset target ${JSON.stringify(target)}: expected 'earliest', 'latest', { offset >= 0 }, { timestamp >= 0 } or { durationMs >= 0 }`);
}
