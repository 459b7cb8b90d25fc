import * as grpc from '@grpc/grpc-js';
import {
  RunnelError,
  decodeRecords,
  fromGrpcError,
  loadRunnelGrpc,
  type GroupClient,
  type GroupDescription,
  type GroupHandlers,
  type GroupPartitionOffset,
  type GroupTopicPartitions,
  type GroupTopicPartitions__Output,
  type ListedGroup,
  type LogClient,
  type ResetPartitionResult,
  type WireError,
} from '@runnel/protocol';
import { waitForLeaders } from './admin-service.ts';
import { partitionError, requestError, type BrokerContext } from './broker-context.ts';
import type { RpcName } from './broker-metrics.ts';
import { DEFAULT_OFFSETS_TOPIC_PARTITIONS, OFFSETS_TOPIC, validateGroupId } from './group/coordinator-partition.ts';
import { DirectoryOffsetsLog } from './group/directory-offsets-log.ts';
import { GroupCoordinator, type GroupObserver } from './group/group-coordinator.ts';
import type { GroupLagRow, GroupMetricsSource } from './group/group-metrics.ts';
import { parsePartitionKey, partitionKey, sortPartitionKeys, type PartitionKey } from './group/partition-key.ts';
import { MAX_RECEIVE_MESSAGE_BYTES, MAX_SEND_MESSAGE_BYTES } from './grpc-limits.ts';
import { MAX_PARTITIONS_PER_REQUEST, requireIntInRange, requireNonEmpty } from './request-validation.ts';
import { createTopic, planTopic } from './topic-admin.ts';

/** Consumer group options of a broker. */
export interface GroupOptions {
  /** Partitions of `__consumer_offsets` when this broker creates it (not on Kubernetes, where the operator does). @default 50 (Kafka's offsets.topic.num.partitions) */
  readonly offsetsTopicPartitions?: number;
  /** @default 45000 (Kafka's group.consumer.session.timeout.ms) */
  readonly sessionTimeoutMs?: number;
  /** @default 5000 (Kafka's group.consumer.heartbeat.interval.ms) */
  readonly heartbeatIntervalMs?: number;
  /** How often leadership of offsets partitions and member expiry are checked. @default 1000 */
  readonly tickMs?: number;
}

const CHANNEL_OPTIONS = { 'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES };

/** How long FindCoordinator waits for a just-created offsets topic to have leaders. */
const LEADER_WAIT_MS = 10_000;

/** The broker's consumer group service: the coordinator and its gRPC handlers. */
export interface GroupService {
  readonly coordinator: GroupCoordinator;
  /** What the group metrics read at scrape time. */
  readonly metricsSource: GroupMetricsSource;
  readonly handlers: GroupHandlers;
  close(): void;
}

type Spec = { kind: 'EARLIEST' } | { kind: 'LATEST' } | { kind: 'TIMESTAMP'; timestamp: number };

/** Starts the coordinator of one broker (its periodic tick) and builds the Group handlers. */
export function startGroupService(ctx: BrokerContext, options: GroupOptions = {}, observer: GroupObserver = {}): GroupService {
  const offsetsPartitions = options.offsetsTopicPartitions ?? DEFAULT_OFFSETS_TOPIC_PARTITIONS;
  requireIntInRange('offsets topic partitions', offsetsPartitions, 1, 1000);
  const log = new DirectoryOffsetsLog(ctx.partitions, () => ctx.view.topics.get(OFFSETS_TOPIC)?.value.partitions, ctx.shutdownSignal);
  const coordinator = new GroupCoordinator({
    log,
    topics: () => {
      const out = new Map<string, number>();
      for (const [name, t] of ctx.view.topics) if (name !== OFFSETS_TOPIC) out.set(name, t.value.partitions);
      return out;
    },
    timers: {
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
    },
    onBackgroundError: (err, what) => {
      if (err instanceof RunnelError && (err.code === 'NOT_COORDINATOR' || err.code === 'COORDINATOR_NOT_AVAILABLE')) ctx.logger.debug({ err }, what);
      else ctx.logger.warn({ err }, `consumer groups: failed ${what}`);
    },
    observer,
  });
  const tick = setInterval(() => coordinator.tick(), options.tickMs ?? 1000);
  tick.unref();

  // Clients of other brokers (ListOffsets for lag and resets, ListGroups fan-out), by address.
  const logClients = new Map<string, LogClient>();
  const groupClients = new Map<string, GroupClient>();
  const { runnel } = loadRunnelGrpc();
  const clientOf = <C>(cache: Map<string, C>, make: (address: string) => C, address: string): C => {
    let c = cache.get(address);
    if (c === undefined) cache.set(address, (c = make(address)));
    return c;
  };
  const brokerAddress = (id: number): string | undefined => {
    const b = ctx.view.brokers.get(String(id))?.value;
    return b === undefined ? undefined : `${b.host}:${b.port}`;
  };

  let creating: Promise<void> | undefined;
  /** Creates `__consumer_offsets` when it does not exist (once per broker at a time), and waits for its leaders. */
  const ensureOffsetsTopic = async (): Promise<void> => {
    if (ctx.view.topics.has(OFFSETS_TOPIC)) return;
    if (ctx.store.kind === 'kubernetes') {
      // Brokers may only read Topics there (BROKER_RBAC_RULES): the operator declares the topic
      // for each Cluster and provisions its partitions. Until the brokers see it, no coordinator.
      throw new RunnelError(
        'COORDINATOR_NOT_AVAILABLE',
        `Consumer groups are not available yet: topic ${OFFSETS_TOPIC} does not exist. On Kubernetes the Runnel operator creates it (Topic <cluster>-consumer-offsets, or any Topic of the Cluster with spec.topicName ${OFFSETS_TOPIC}); check that the operator runs and that Topic is Ready (kubectl get topics.runnel.dev); retry shortly`,
      );
    }
    creating ??= (async () => {
      try {
        const brokerIds = [...ctx.view.brokers.values()].map((b) => b.value.id);
        const rf = Math.min(3, brokerIds.length);
        const topic = planTopic(
          { name: OFFSETS_TOPIC, partitions: offsetsPartitions, replicationFactor: rf, configs: { 'cleanup.policy': 'compact', 'min.insync.replicas': String(Math.min(2, rf)) } },
          brokerIds,
        );
        try {
          await createTopic(ctx.store, topic);
          ctx.logger.info({ topic: OFFSETS_TOPIC, partitions: offsetsPartitions, replicationFactor: rf }, 'created the consumer offsets topic');
          await waitForLeaders(ctx, OFFSETS_TOPIC, topic.topicId, offsetsPartitions, LEADER_WAIT_MS);
          // Group writes are acks=all: wait (bounded) for the followers to join the ISR, so the first joins are not refused.
          await waitFor(ctx, () => {
            for (let p = 0; p < offsetsPartitions; p++) if ((ctx.view.partition(OFFSETS_TOPIC, p)?.isr.length ?? 0) < Math.min(2, rf)) return false;
            return true;
          }, LEADER_WAIT_MS);
        } catch (err) {
          if (err instanceof RunnelError && err.code === 'TOPIC_ALREADY_EXISTS') return;
          ctx.logger.warn({ err }, 'could not create the consumer offsets topic');
          throw new RunnelError(
            'COORDINATOR_NOT_AVAILABLE',
            `Consumer groups are not available: topic ${OFFSETS_TOPIC} does not exist and this broker could not create it (${err instanceof Error ? err.message : String(err)})`,
            { cause: err },
          );
        }
      } finally {
        creating = undefined;
      }
    })();
    await creating;
  };

  /** The offset of a partition per `spec`, asked of its leader (here, or over gRPC). */
  const listOffset = async (topic: string, partition: number, spec: Spec): Promise<number> => {
    const replica = ctx.partitions.leaderForRead(topic, partition);
    if (!(replica instanceof RunnelError)) {
      const l = replica.log;
      if (spec.kind === 'EARLIEST') return l.logStartOffset;
      if (spec.kind === 'LATEST') return l.highWatermark;
      const found = await l.offsetForTimestamp(spec.timestamp);
      return found === null || found.offset >= l.highWatermark ? -1 : found.offset;
    }
    if (replica.code !== 'NOT_LEADER') throw replica;
    const leader = replica.leaderHint ?? ctx.view.partition(topic, partition)?.holder?.id;
    const address = leader === undefined ? undefined : brokerAddress(leader);
    if (address === undefined) throw replica;
    const client = clientOf(logClients, (a) => new runnel.v1.Log(a, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as LogClient, address);
    const res = await new Promise<{ offset: number; error?: WireError | null }>((resolve, reject) => {
      client.ListOffsets(
        { partitions: [{ topic, partition, spec: `OFFSET_SPEC_${spec.kind}`, timestamp: spec.kind === 'TIMESTAMP' ? spec.timestamp : 0 }] },
        { deadline: Date.now() + 10_000 },
        (err, value) => {
          if (err !== null) reject(fromGrpcError(err));
          else resolve(value!.partitions[0] ?? { offset: -1 });
        },
      );
    });
    if (res.error != null) throw new RunnelError(res.error.code as RunnelError['code'], res.error.message);
    return Number(res.offset);
  };

  const timed = <T>(rpc: RpcName, callback: (err: grpc.ServiceError | null, value?: T) => void, run: () => Promise<T>): void => {
    const stop = ctx.metrics.startTimer(rpc);
    run().then(
      (value) => {
        stop();
        callback(null, value);
      },
      (err: unknown) => {
        stop();
        callback(requestError(ctx, rpc, err) as grpc.ServiceError);
      },
    );
  };

  const describeOne = async (groupId: string): Promise<GroupDescription> => {
    const base = { groupId, state: '', groupEpoch: -1, assignmentEpoch: -1, coordinatorId: ctx.brokerId, members: [], offsets: [] };
    let view;
    try {
      validateGroupId(groupId);
      view = await coordinator.describe(groupId);
    } catch (err) {
      return { ...base, error: partitionError(ctx, 'DescribeGroups', err) };
    }
    const owners = new Map<PartitionKey, string>();
    for (const m of view.members) for (const k of m.assigned) owners.set(k, m.memberId);
    const keys = sortPartitionKeys(new Set([...view.offsets.keys(), ...owners.keys()]));
    const offsets = await Promise.all(
      keys.map(async (key): Promise<GroupPartitionOffset> => {
        const { topic, partition } = parsePartitionKey(key);
        const committed = view.offsets.get(key)?.offset ?? -1;
        const out = { topic, partition, committedOffset: committed, memberId: owners.get(key) ?? '' };
        try {
          const end = await listOffset(topic, partition, { kind: 'LATEST' });
          const from = committed >= 0 ? committed : await listOffset(topic, partition, { kind: 'EARLIEST' });
          return { ...out, logEndOffset: end, lag: Math.max(0, end - from) };
        } catch (err) {
          return { ...out, logEndOffset: -1, lag: -1, error: partitionError(ctx, 'DescribeGroups', err) };
        }
      }),
    );
    return {
      ...base,
      state: view.state,
      groupEpoch: view.groupEpoch,
      assignmentEpoch: view.assignmentEpoch,
      members: view.members.map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId ?? '',
        memberEpoch: m.memberEpoch,
        state: m.state,
        subscribedTopicNames: [...m.topics],
        subscribedTopicRegex: m.pattern ?? '',
        assignment: toTopicPartitions(m.assigned),
        targetAssignment: toTopicPartitions(m.target),
        away: m.away,
      })),
      offsets,
    };
  };

  const handlers: GroupHandlers = {
    FindCoordinator(call, callback) {
      timed('FindCoordinator', callback, async () => {
        const groupId = call.request.groupId;
        validateGroupId(groupId);
        await ensureOffsetsTopic();
        const partition = coordinator.partitionOf(groupId);
        const leader = ctx.view.partition(OFFSETS_TOPIC, partition)?.holder?.id ?? -1;
        const b = leader < 0 ? undefined : ctx.view.brokers.get(String(leader))?.value;
        if (b === undefined) {
          const err = new RunnelError('COORDINATOR_NOT_AVAILABLE', `Group ${groupId} has no coordinator right now: partition ${OFFSETS_TOPIC}-${partition} has no leader; retry shortly`);
          return { nodeId: -1, host: '', port: 0, offsetsPartition: partition, error: partitionError(ctx, 'FindCoordinator', err) };
        }
        return { nodeId: b.id, host: b.host, port: b.port, offsetsPartition: partition };
      });
    },

    Heartbeat(call, callback) {
      timed('Heartbeat', callback, async () => {
        const r = call.request;
        validateGroupId(r.groupId);
        await ensureOffsetsTopic();
        const res = await coordinator.heartbeat(r.groupId, {
          memberId: r.memberId,
          memberEpoch: r.memberEpoch,
          ...(r.instanceId === undefined || r.instanceId === '' ? {} : { instanceId: r.instanceId }),
          ...(r.rebalanceTimeoutMs === undefined ? {} : { rebalanceTimeoutMs: r.rebalanceTimeoutMs }),
          ...(r.subscribedTopicNamesSet ? { topics: r.subscribedTopicNames } : {}),
          ...(r.subscribedTopicRegex === undefined ? {} : { pattern: r.subscribedTopicRegex }),
          ...(r.serverAssignor === undefined || r.serverAssignor === '' ? {} : { assignor: r.serverAssignor }),
          ...(r.ownedPartitionsSet ? { ownedPartitions: fromTopicPartitions(r.ownedPartitions) } : {}),
        });
        return {
          memberId: res.memberId,
          memberEpoch: res.memberEpoch,
          heartbeatIntervalMs: res.heartbeatIntervalMs,
          hasAssignment: res.assignment !== undefined,
          assignment: toTopicPartitions(res.assignment ?? []),
        };
      });
    },

    OffsetCommit(call, callback) {
      timed('OffsetCommit', callback, async () => {
        const r = call.request;
        validateGroupId(r.groupId);
        await ensureOffsetsTopic();
        requireNonEmpty('partitions', r.partitions);
        requireIntInRange('number of partitions', r.partitions.length, 1, MAX_PARTITIONS_PER_REQUEST);
        const errors = await coordinator.commitOffsets(
          r.groupId,
          r.memberId,
          r.memberEpoch,
          r.partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: Number(p.offset), leaderEpoch: p.leaderEpoch, metadata: p.metadata })),
        );
        return {
          partitions: r.partitions.map((p, i) => ({
            topic: p.topic,
            partition: p.partition,
            ...(errors[i] === undefined ? {} : { error: partitionError(ctx, 'OffsetCommit', errors[i]) }),
          })),
        };
      });
    },

    OffsetFetch(call, callback) {
      timed('OffsetFetch', callback, async () => {
        const r = call.request;
        validateGroupId(r.groupId);
        await ensureOffsetsTopic();
        const wanted = r.partitions.length === 0 ? undefined : expandPartitions(ctx, r.partitions).map((k) => parsePartitionKey(k));
        const offsets = await coordinator.fetchOffsets(r.groupId, wanted);
        return { offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata, commitTimestamp: o.commitTimestamp })) };
      });
    },

    ListGroups(call, callback) {
      timed('ListGroups', callback, async () => {
        const groups: ListedGroup[] = (await coordinator.listGroups()).map((g) => ({ groupId: g.groupId, state: g.state, members: g.members, coordinatorId: ctx.brokerId }));
        const errors: WireError[] = [];
        if (call.request.allBrokers) {
          const others = [...ctx.view.brokers.values()].map((b) => b.value).filter((b) => b.id !== ctx.brokerId);
          await Promise.all(
            others.map(async (b) => {
              const client = clientOf(groupClients, (a) => new runnel.v1.Group(a, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as GroupClient, `${b.host}:${b.port}`);
              try {
                const res = await new Promise<ListedGroup[]>((resolve, reject) => {
                  client.ListGroups({ allBrokers: false }, { deadline: Date.now() + 10_000 }, (err, value) => (err !== null ? reject(fromGrpcError(err)) : resolve(value!.groups)));
                });
                groups.push(...res);
              } catch (err) {
                const e = err instanceof RunnelError ? err : new RunnelError('BROKER_NOT_AVAILABLE', String(err));
                errors.push(partitionError(ctx, 'ListGroups', new RunnelError(e.code, `Broker ${b.id} did not list its groups: ${e.message}`)));
              }
            }),
          );
        }
        groups.sort((a, b) => ((a.groupId ?? '') < (b.groupId ?? '') ? -1 : 1));
        return { groups, errors };
      });
    },

    DescribeGroups(call, callback) {
      timed('DescribeGroups', callback, async () => {
        requireNonEmpty('group_ids', call.request.groupIds);
        requireIntInRange('number of groups', call.request.groupIds.length, 1, MAX_PARTITIONS_PER_REQUEST);
        await ensureOffsetsTopic();
        return { groups: await Promise.all(call.request.groupIds.map((g) => describeOne(g))) };
      });
    },

    DeleteGroups(call, callback) {
      timed('DeleteGroups', callback, async () => {
        requireNonEmpty('group_ids', call.request.groupIds);
        requireIntInRange('number of groups', call.request.groupIds.length, 1, MAX_PARTITIONS_PER_REQUEST);
        await ensureOffsetsTopic();
        const groups = [];
        for (const groupId of call.request.groupIds) {
          try {
            validateGroupId(groupId);
            await coordinator.deleteGroup(groupId);
            ctx.logger.info({ group: groupId }, 'consumer group deleted');
            groups.push({ groupId });
          } catch (err) {
            groups.push({ groupId, error: partitionError(ctx, 'DeleteGroups', err) });
          }
        }
        return { groups };
      });
    },

    ResetOffsets(call, callback) {
      timed('ResetOffsets', callback, async () => {
        const r = call.request;
        validateGroupId(r.groupId);
        await ensureOffsetsTopic();
        const spec = resetSpec(r.spec, Number(r.offset), Number(r.timestamp), Number(r.durationMs));
        // Fails fast (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP) before any offset is looked up; checked again when written.
        const view = await coordinator.describe(r.groupId);
        if (view.members.length > 0) await coordinator.resetOffsets(r.groupId, [], true);
        const keys = r.partitions.length === 0 ? sortPartitionKeys(view.offsets.keys()) : expandPartitions(ctx, r.partitions);
        if (keys.length === 0) throw new RunnelError('INVALID_REQUEST', `Cannot reset the offsets of group ${r.groupId}: it has no committed offsets; name the partitions to reset`);
        const results: ResetPartitionResult[] = await Promise.all(
          keys.map(async (key): Promise<ResetPartitionResult> => {
            const { topic, partition } = parsePartitionKey(key);
            const previousOffset = view.offsets.get(key)?.offset ?? -1;
            try {
              const count = ctx.view.topics.get(topic)?.value.partitions;
              if (count === undefined) throw new RunnelError('UNKNOWN_TOPIC', `Cannot reset ${topic}-${partition}: topic ${JSON.stringify(topic)} does not exist`);
              if (partition < 0 || partition >= count) throw new RunnelError('UNKNOWN_PARTITION', `Cannot reset ${topic}-${partition}: topic ${topic} has partitions 0..${count - 1}`);
              const earliest = await listOffset(topic, partition, { kind: 'EARLIEST' });
              const latest = await listOffset(topic, partition, { kind: 'LATEST' });
              let target: number;
              if (spec.kind === 'EARLIEST') target = earliest;
              else if (spec.kind === 'LATEST') target = latest;
              else if (spec.kind === 'OFFSET') target = Math.min(Math.max(spec.offset, earliest), latest);
              else {
                const found = await listOffset(topic, partition, { kind: 'TIMESTAMP', timestamp: spec.kind === 'TIMESTAMP' ? spec.timestamp : Math.max(0, Date.now() - spec.durationMs) });
                target = found < 0 ? latest : found;
              }
              return { topic, partition, previousOffset, newOffset: target };
            } catch (err) {
              return { topic, partition, previousOffset, newOffset: -1, error: partitionError(ctx, 'ResetOffsets', err) };
            }
          }),
        );
        const ok = results.filter((x) => x.error == null).map((x) => ({ topic: x.topic!, partition: x.partition!, offset: Number(x.newOffset) }));
        await coordinator.resetOffsets(r.groupId, ok, r.dryRun || ok.length === 0);
        if (!r.dryRun) ctx.logger.info({ group: r.groupId, partitions: ok.length, spec: r.spec }, 'consumer group offsets reset');
        return { partitions: results };
      });
    },
  };

  /** The timestamp of the record at `offset`, read from the partition's leader (here or over gRPC); undefined when it cannot be read. */
  const timestampAt = async (topic: string, partition: number, offset: number): Promise<number | undefined> => {
    const local = ctx.partitions.leaderForRead(topic, partition);
    let records: Buffer;
    if (!(local instanceof RunnelError)) {
      const res = await ctx.partitions.fetch({ topic, partition, offset, maxBytes: 1 });
      if (res.error !== undefined) return undefined;
      records = res.records;
    } else {
      const leader = local.leaderHint ?? ctx.view.partition(topic, partition)?.holder?.id;
      const address = local.code === 'NOT_LEADER' && leader !== undefined ? brokerAddress(leader) : undefined;
      if (address === undefined) return undefined;
      const client = clientOf(logClients, (a) => new runnel.v1.Log(a, grpc.credentials.createInsecure(), CHANNEL_OPTIONS) as unknown as LogClient, address);
      records = await new Promise<Buffer>((resolve, reject) => {
        client.Fetch({ maxWaitMs: 0, minBytes: 0, maxBytes: 1, partitions: [{ topic, partition, offset, maxBytes: 1, currentLeaderEpoch: -1 }] }, { deadline: Date.now() + 5_000 }, (err, value) => {
          if (err !== null) reject(fromGrpcError(err));
          else {
            const p = value!.partitions[0];
            resolve(p === undefined || p.error != null ? Buffer.alloc(0) : Buffer.from(p.records));
          }
        });
      });
    }
    return records.length === 0 ? undefined : decodeRecords(records, offset)[0]?.timestamp;
  };
  let lagCache: { at: number; rows: Promise<GroupLagRow[]> } | undefined;
  const computeLag = async (): Promise<GroupLagRow[]> => {
    const ends = new Map<PartitionKey, Promise<number | undefined>>();
    const rows: GroupLagRow[] = [];
    const now = Date.now();
    await Promise.all(
      coordinator.loadedGroups().flatMap((g) =>
        [...g.offsets].map(async ([key, commit]) => {
          const { topic, partition } = parsePartitionKey(key);
          if (!ends.has(key)) ends.set(key, listOffset(topic, partition, { kind: 'LATEST' }).catch(() => undefined));
          const end = await ends.get(key)!;
          if (end === undefined) return;
          const lagRecords = Math.max(0, end - commit.offset);
          let lagSeconds: number | undefined = 0;
          if (lagRecords > 0) {
            const ts = await timestampAt(topic, partition, commit.offset).catch(() => undefined);
            lagSeconds = ts === undefined ? undefined : Math.max(0, (now - ts) / 1000);
          }
          rows.push({ group: g.groupId, topic, partition, lagRecords, lagSeconds });
        }),
      ),
    );
    return rows;
  };
  const metricsSource: GroupMetricsSource = {
    groups: () => coordinator.loadedGroups().map((g) => ({ groupId: g.groupId, members: g.members })),
    get shardCount() {
      return coordinator.shardCount;
    },
    lag() {
      // Both lag gauges ask within one scrape: compute once.
      if (lagCache === undefined || Date.now() - lagCache.at > 1000) lagCache = { at: Date.now(), rows: computeLag() };
      return lagCache.rows;
    },
  };

  return {
    coordinator,
    metricsSource,
    handlers,
    close() {
      clearInterval(tick);
      for (const c of [...logClients.values(), ...groupClients.values()]) c.close();
      logClients.clear();
      groupClients.clear();
    },
  };
}

type ResetTarget = { kind: 'EARLIEST' } | { kind: 'LATEST' } | { kind: 'OFFSET'; offset: number } | { kind: 'TIMESTAMP'; timestamp: number } | { kind: 'DURATION'; durationMs: number };

function resetSpec(spec: string, offset: number, timestamp: number, durationMs: number): ResetTarget {
  switch (spec) {
    case 'RESET_SPEC_EARLIEST':
      return { kind: 'EARLIEST' };
    case 'RESET_SPEC_LATEST':
      return { kind: 'LATEST' };
    case 'RESET_SPEC_OFFSET':
      if (!Number.isSafeInteger(offset) || offset < 0) throw new RunnelError('INVALID_REQUEST', `Invalid reset offset ${offset}: expected an integer >= 0`);
      return { kind: 'OFFSET', offset };
    case 'RESET_SPEC_TIMESTAMP':
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RunnelError('INVALID_REQUEST', `Invalid reset timestamp ${timestamp}: expected milliseconds since the epoch, >= 0`);
      return { kind: 'TIMESTAMP', timestamp };
    case 'RESET_SPEC_DURATION':
      if (!Number.isSafeInteger(durationMs) || durationMs <= 0) throw new RunnelError('INVALID_REQUEST', `Invalid reset duration ${durationMs} ms: expected an integer > 0`);
      return { kind: 'DURATION', durationMs };
    default:
      throw new RunnelError('INVALID_REQUEST', `Invalid reset spec ${spec}: expected EARLIEST, LATEST, OFFSET, TIMESTAMP or DURATION`);
  }
}

/** Named partitions as keys; a topic with no partitions listed means all of its partitions. */
function expandPartitions(ctx: BrokerContext, list: readonly GroupTopicPartitions__Output[]): PartitionKey[] {
  const keys: PartitionKey[] = [];
  for (const tp of list) {
    if (tp.partitions.length > 0) for (const p of tp.partitions) keys.push(partitionKey(tp.topic, p));
    else {
      const count = ctx.view.topics.get(tp.topic)?.value.partitions;
      if (count === undefined) throw new RunnelError('UNKNOWN_TOPIC', `Topic ${JSON.stringify(tp.topic)} does not exist`);
      for (let p = 0; p < count; p++) keys.push(partitionKey(tp.topic, p));
    }
  }
  return keys;
}

function fromTopicPartitions(list: readonly GroupTopicPartitions__Output[]): PartitionKey[] {
  return list.flatMap((tp) => tp.partitions.map((p) => partitionKey(tp.topic, p)));
}

/** Partition keys grouped by topic, in a stable order. */
export function toTopicPartitions(keys: Iterable<PartitionKey>): GroupTopicPartitions[] {
  const byTopic = new Map<string, number[]>();
  for (const key of sortPartitionKeys(keys)) {
    const { topic, partition } = parsePartitionKey(key);
    let list = byTopic.get(topic);
    if (list === undefined) byTopic.set(topic, (list = []));
    list.push(partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Resolves once `ready()` holds (checked on each partition change in the view), or after `timeoutMs`. */
function waitFor(ctx: BrokerContext, ready: () => boolean, timeoutMs: number): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    const unsubscribe = ctx.view.onChange((change) => {
      if (change.kind === 'partition' && ready()) done();
    });
  });
}
