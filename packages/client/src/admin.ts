import { fromWireError, RunnelError, type BrokerInfo__Output, type TopicDescription__Output, type DeleteTopicsResponse__Output, type MetadataResponse__Output, type CreateTopicsResponse__Output, type DescribeClusterResponse__Output, type DescribeTopicsResponse__Output, type DeleteRecordsResponse__Output } from '@runnel/protocol';
import { BrokerConnections, unaryCall } from './broker-connections.ts';
import { ClusterMetadata, parseBootstrap, type TopicInfo } from './cluster-metadata.ts';
import { GroupAdmin, type GroupDescription, type GroupListing, type OffsetResetResult, type ResetTarget } from './group-admin.ts';

/** Options of {@link Admin}. */
export interface AdminOptions {
  bootstrap: string | readonly string[];
  /** @default 30000 */
  requestTimeoutMs?: number;
}

/** A topic to create. */
export interface NewTopic {
  name: string;
  /** @default 1 */
  partitions?: number;
  /** @default 1 */
  replicationFactor?: number;
  /** Kafka-style configs: retention.ms, cleanup.policy, durability, ... */
  configs?: Record<string, string>;
}

/** A partition as described by its leader. */
export interface PartitionDescription {
  partition: number;
  leaderId: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  logStartOffset: number;
  logEndOffset: number;
  highWatermark: number;
  sizeBytes: number;
  segments: number;
}

/** A topic with its configs and partitions. */
export interface TopicDescription {
  name: string;
  topicId: string;
  configs: Record<string, string>;
  partitions: PartitionDescription[];
}

/** The cluster as a broker sees it. */
export interface ClusterDescription {
  clusterId: string;
  /** The broker that answered. */
  brokerId: number;
  brokers: Array<{ id: number; host: string; port: number; rack: string }>;
  /** "local" or "kubernetes". */
  metadataStore: string;
}

/**
 * Cluster administration: topics and cluster description. Per-item failures reject with the
 * RunnelError of the first failed item (its code, e.g. TOPIC_ALREADY_EXISTS, and message).
 */
export class Admin {
  readonly #connections = new BrokerConnections();
  readonly #metadata: ClusterMetadata;
  readonly #timeoutMs: number;
  readonly #groups: GroupAdmin;

  constructor(options: AdminOptions) {
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#metadata = new ClusterMetadata(this.#connections, parseBootstrap(options.bootstrap), this.#timeoutMs);
    this.#groups = new GroupAdmin(this.#connections, this.#metadata, this.#timeoutMs);
  }

  /** Every consumer group of the cluster; `errors` names brokers that did not answer (their groups are missing). */
  listGroups(options: { signal?: AbortSignal } = {}): Promise<{ groups: GroupListing[]; errors: RunnelError[] }> {
    return this.#groups.listGroups(options.signal);
  }

  /** Members, assignments, epochs and per-partition committed offset and lag; rejects with GROUP_ID_NOT_FOUND for an unknown group. */
  describeGroups(groupIds: readonly string[], options: { signal?: AbortSignal } = {}): Promise<GroupDescription[]> {
    return this.#groups.describeGroups(groupIds, options.signal);
  }

  /** Deletes groups with no members (NON_EMPTY_GROUP otherwise), with their committed offsets. */
  deleteGroups(groupIds: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.#groups.deleteGroups(groupIds, options.signal);
  }

  /**
   * Moves a group's committed offsets to earliest, latest, an offset, a timestamp or a duration
   * back; only while the group has no members (NON_EMPTY_GROUP). `dryRun` computes without writing.
   */
  resetOffsets(groupId: string, target: ResetTarget, options: { partitions?: ReadonlyArray<{ topic: string; partitions?: number[] }>; dryRun?: boolean; signal?: AbortSignal } = {}): Promise<OffsetResetResult[]> {
    return this.#groups.resetOffsets(groupId, target, options);
  }

  /** Creates topics; resolves with their topic ids by name. */
  async createTopics(topics: readonly NewTopic[], options: { validateOnly?: boolean; signal?: AbortSignal } = {}): Promise<Map<string, string>> {
    const { admin } = await this.#any(options.signal);
    const response = await unaryCall<CreateTopicsResponse__Output>((o, cb) => admin.CreateTopics({
      validateOnly: options.validateOnly ?? false,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions ?? 1, replicationFactor: t.replicationFactor ?? 1, configs: t.configs ?? {} })),
    }, o, cb), { timeoutMs: this.#timeoutMs, signal: options.signal, what: 'CreateTopics' });
    const ids = new Map<string, string>();
    for (const r of response.topics) {
      if (r.error) throw prefixed(fromWireError(r.error), `Cannot create topic ${r.name}`, r.name);
      ids.set(r.name, r.topicId);
    }
    return ids;
  }

  /** Deletes topics by name. */
  async deleteTopics(names: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const { admin } = await this.#any(options.signal);
    const response = await unaryCall<DeleteTopicsResponse__Output>((o, cb) => admin.DeleteTopics({ names: [...names] }, o, cb), { timeoutMs: this.#timeoutMs, signal: options.signal, what: 'DeleteTopics' });
    for (const r of response.topics) if (r.error) throw prefixed(fromWireError(r.error), `Cannot delete topic ${r.name}`, r.name);
  }

  /**
   * Deletes the records of partitions of `topic` below the given offsets (Kafka's deleteRecords,
   * KIP-107): each partition's leader moves its log start there (`-1`: to the high watermark, every
   * committed record) and answers once its in-sync followers have too. Resolves with each
   * partition's low watermark (the smallest log start over its in-sync replicas) by partition
   * number; REQUEST_TIMED_OUT when a follower did not follow within the request timeout. Leader changes
   * (also one during the followers' wait, which the broker answers REQUEST_TIMED_OUT) are retried
   * until the request timeout; the
   * first other failure rejects, naming the partition: OFFSET_OUT_OF_RANGE above the high
   * watermark, INVALID_REQUEST for an offset below -1, UNKNOWN_TOPIC, UNKNOWN_PARTITION.
   */
  async deleteRecords(topic: string, offsets: ReadonlyArray<{ partition: number; offset: number }>, options: { signal?: AbortSignal } = {}): Promise<Map<number, number>> {
    const deadline = Date.now() + this.#timeoutMs;
    const lowWatermarks = new Map<number, number>();
    for (const { partition, offset } of offsets) {
      const name = `${topic}-${partition}`;
      for (let attempt = 1; ; attempt++) {
        await this.#metadata.refresh([topic], options.signal);
        await this.#metadata.requireTopic(topic, options.signal).catch((err: unknown) => {
          throw err instanceof RunnelError ? prefixed(err, `Cannot delete records of ${name}`, topic) : err;
        });
        // The leader if known; else any broker, which answers UNKNOWN_PARTITION, NOT_LEADER or LEADER_NOT_AVAILABLE.
        const address = this.#metadata.leaderAddress(topic, partition) ?? this.#metadata.anyAddress();
        let error: RunnelError;
        let askedAt = Date.now();
        let waitedMs = 0;
        try {
          const { admin } = this.#connections.get(address);
          // The leader waits for its in-sync followers at most what is left of our timeout, less
          // a margin for its answer to arrive.
          const brokerWaitMs = Math.max(1, deadline - Date.now() - 1000);
          askedAt = Date.now();
          waitedMs = brokerWaitMs;
          const response = await unaryCall<DeleteRecordsResponse__Output>((o, cb) => admin.DeleteRecords({ partitions: [{ topic, partition, offset }], timeoutMs: brokerWaitMs }, o, cb), {
            timeoutMs: Math.max(1, deadline - Date.now()), signal: options.signal, what: `DeleteRecords of ${name} on broker ${address}`,
          });
          const r = response.partitions[0];
          if (r === undefined) throw new RunnelError('UNKNOWN_SERVER_ERROR', `DeleteRecords of ${name} on broker ${address} answered no partition`);
          if (!r.error) {
            lowWatermarks.set(partition, r.lowWatermark);
            break;
          }
          error = fromWireError(r.error);
        } catch (err) {
          if (!(err instanceof RunnelError)) throw err;
          error = err;
        }
        // REQUEST_TIMED_OUT before the broker's wait ran out: the leader lost leadership while its
        // followers caught up, with the outcome unknown; deleting to the same offset again is safe.
        // At the end of the wait it names the followers behind, and is the answer.
        const lostLeadership = error.code === 'REQUEST_TIMED_OUT' && Date.now() - askedAt < waitedMs;
        const leaderMoved = error.code === 'NOT_LEADER' || error.code === 'LEADER_NOT_AVAILABLE' || error.code === 'BROKER_NOT_AVAILABLE' || lostLeadership;
        if (!leaderMoved || Date.now() + 100 >= deadline || options.signal?.aborted === true) throw prefixed(error, `Cannot delete records of ${name}`, name);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
      }
    }
    return lowWatermarks;
  }

  /** Names of every topic, sorted. */
  async listTopics(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    const { log, address } = await this.#any(options.signal);
    const response = await unaryCall<MetadataResponse__Output>((o, cb) => log.Metadata({ topics: [] }, o, cb), { timeoutMs: this.#timeoutMs, signal: options.signal, what: `Metadata request to ${address}` });
    return response.topics.filter((t) => !t.error).map((t) => t.name).sort();
  }

  /**
   * Topics with configs and per-partition log state. Each partition's log state comes from its
   * leader (the broker that hosts it), so this asks every broker and merges.
   */
  async describeTopics(names: readonly string[] = [], options: { signal?: AbortSignal } = {}): Promise<TopicDescription[]> {
    await this.#metadata.refresh([...names], options.signal);
    const merged = new Map<string, TopicDescription>();
    const brokers = this.#metadata.brokers();
    const settled = await Promise.allSettled(brokers.map(async (b) => {
      const { admin } = this.#connections.get(b.address);
      const r = await unaryCall<DescribeTopicsResponse__Output>((o, cb) => admin.DescribeTopics({ names: [...names] }, o, cb), { timeoutMs: this.#timeoutMs, signal: options.signal, what: `DescribeTopics on broker ${b.address}` });
      return { brokerId: b.id, topics: r.topics };
    }));
    // A broker that is down must not hide the topic: the others describe it (each replica knows
    // its partitions). Only when no broker answers does the call fail, with the first cause.
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    if (answers.length === 0) {
      const first = settled.find((s) => s.status === 'rejected');
      throw first === undefined ? new RunnelError('BROKER_NOT_AVAILABLE', 'Cannot describe topics: the cluster lists no broker') : (first.reason as Error);
    }
    for (const { brokerId, topics } of answers) {
      for (const t of topics) {
        if (t.error) {
          const err = fromWireError(t.error);
          if (err.code === 'UNKNOWN_TOPIC') throw prefixed(err, `Cannot describe topic ${t.name}`, t.name);
          continue;
        }
        const known = this.#metadata.topic(t.name);
        const d = merged.get(t.name) ?? { name: t.name, topicId: t.topicId, configs: t.configs, partitions: [] };
        merged.set(t.name, d);
        for (const p of t.partitions) {
          const leaderId = known?.partitions[p.partition]?.leaderId ?? p.leaderId;
          if (d.partitions[p.partition] === undefined || leaderId === brokerId) d.partitions[p.partition] = toPartition(p);
        }
      }
    }
    return [...merged.values()].sort((a, b) => a.name.localeCompare(b.name)).map((d) => ({ ...d, partitions: d.partitions.filter(Boolean) }));
  }

  /** Brokers and cluster id. */
  async describeCluster(options: { signal?: AbortSignal } = {}): Promise<ClusterDescription> {
    const { admin } = await this.#any(options.signal);
    const r = await unaryCall<DescribeClusterResponse__Output>((o, cb) => admin.DescribeCluster({}, o, cb), { timeoutMs: this.#timeoutMs, signal: options.signal, what: 'DescribeCluster' });
    return { clusterId: r.clusterId, brokerId: r.brokerId, brokers: r.brokers.map((b: BrokerInfo__Output) => ({ ...b })), metadataStore: r.metadataStore };
  }

  /** Partition leaders as the client sees them (Metadata), for tools. */
  async topicMetadata(name: string, options: { signal?: AbortSignal } = {}): Promise<TopicInfo> {
    await this.#metadata.refresh([name], options.signal);
    return this.#metadata.requireTopic(name, options.signal);
  }

  /** Closes the connections. */
  close(): Promise<void> {
    this.#connections.close();
    return Promise.resolve();
  }

  async #any(signal?: AbortSignal): Promise<ReturnType<BrokerConnections['get']>> {
    if (this.#metadata.brokers().length === 0) await this.#metadata.refresh([], signal);
    return this.#connections.get(this.#metadata.anyAddress());
  }
}

function toPartition(p: TopicDescription__Output['partitions'][number]): PartitionDescription {
  return { partition: p.partition, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, logStartOffset: p.logStartOffset, logEndOffset: p.logEndOffset, highWatermark: p.highWatermark, sizeBytes: p.sizeBytes, segments: p.segments };
}

/**
 * `err` with a message that says what failed (`Cannot create topic x: ...`), unless the broker's
 * message already names the topic (its first 40 characters, as long names are cut there).
 */
function prefixed(err: RunnelError, what: string, topic: string): RunnelError {
  const message = err.message.includes(topic.slice(0, 40)) ? err.message : `${what}: ${err.message}`;
  return new RunnelError(err.code, message, { cause: err, retriable: err.retriable });
}
