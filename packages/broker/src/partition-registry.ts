import { RunnelError } from '@runnel/protocol';
import { parseLogConfig, type DataDirectory } from '@runnel/storage';
import type { Logger } from 'pino';
import { partitionGauge, type BrokerMetrics, type PartitionGauge, type PartitionGaugeSource } from './broker-metrics.ts';
import type { ClusterView, ViewChange } from './cluster-view.ts';
import type { LeadershipDriver } from './leadership.ts';
import { PartitionReplica } from './partition-replica.ts';
import { existingTopicPartition } from './topic-partition-check.ts';

/** Options of {@link PartitionRegistry}. */
export interface PartitionRegistryOptions {
  readonly brokerId: number;
  readonly dataDirectory: DataDirectory;
  readonly view: ClusterView;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  /** Who leads what: {@link FirstReplicaLeadership} in local mode; Lease elections in issue 4. */
  readonly leadership: LeadershipDriver;
}

/**
 * The partitions this broker hosts, kept equal to what the metadata says by a level-triggered
 * reconcile per partition: a partition whose replicas include this broker gets its log opened; one
 * that is deleted gets its log closed and removed. Reconciles of one partition run one at a time.
 *
 * Who leads is decided by the {@link LeadershipDriver}; the registry applies the result.
 */
export class PartitionRegistry implements PartitionGaugeSource {
  readonly #replicas = new Map<string, PartitionReplica>();
  /** Partitions hosted here whose log failed to open (e.g. corruption found by recovery), by name. */
  readonly #offline = new Map<string, { topicId: string; error: RunnelError }>();
  readonly #queues = new Map<string, Promise<void>>();
  readonly #options: PartitionRegistryOptions;
  #unsubscribe: (() => void) | undefined;
  #closing = false;

  constructor(options: PartitionRegistryOptions) {
    this.#options = options;
  }

  /** Opens every partition hosted here, then follows metadata changes. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#options.view.onChange((change) => this.#onChange(change));
    await Promise.all([...this.#options.view.partitions.keys()].map((name) => this.#enqueue(name)));
    await this.#removeStrayDirectories();
  }

  /**
   * Deletes partition directories of earlier incarnations of a topic (deleted and recreated while
   * this broker was down). Directories of topics the metadata does not know at all are kept and
   * reported: a lost or wrong metadata store must never make a broker wipe its data.
   */
  async #removeStrayDirectories(): Promise<void> {
    const { dataDirectory, view, logger } = this.#options;
    for (const dir of await dataDirectory.listPartitions()) {
      const name = `${dir.topic}-${dir.partition}`;
      const hosted = this.#replicas.get(name);
      if (hosted !== undefined && topicIdPrefix(hosted.topicId) === dir.topicIdPrefix) continue;
      const topic = view.topics.get(dir.topic)?.value;
      if (topic !== undefined && topicIdPrefix(topic.topicId) !== dir.topicIdPrefix) {
        await dataDirectory.deletePartition(dir.topic, dir.partition, dir.topicIdPrefix);
        logger.info({ dir: dir.dir }, 'deleted the partition directory of an earlier incarnation of the topic');
      } else if (topic === undefined) {
        logger.warn({ dir: dir.dir }, 'partition directory of a topic unknown to the metadata store; kept');
      }
    }
  }

  /** The open replicas. */
  replicas(): Iterable<PartitionReplica> {
    return this.#replicas.values();
  }

  /** Whether a log of this name (`<topic>-<partition>`) is hosted here. */
  hosts(name: string): boolean {
    return this.#replicas.has(name);
  }

  /** The local replica of a partition, if open. */
  get(topic: string, partition: number): PartitionReplica | undefined {
    return this.#replicas.get(`${topic}-${partition}`);
  }

  /**
   * The replica that can serve a client request for `topic`/`partition` as leader, or the error
   * to answer: UNKNOWN_TOPIC, UNKNOWN_PARTITION, NOT_LEADER (with the leader as hint) or
   * LEADER_NOT_AVAILABLE.
   */
  leaderFor(topic: string, partition: number): PartitionReplica | RunnelError {
    const definition = existingTopicPartition(this.#options.view.topics.get(topic)?.value, topic, partition);
    if (definition instanceof RunnelError) return definition;
    const replica = this.#replicas.get(`${topic}-${partition}`);
    if (replica !== undefined && replica.topicId === definition.topicId) {
      return replica.notLeaderError() ?? replica;
    }
    const offline = this.#offline.get(`${topic}-${partition}`);
    if (offline !== undefined && offline.topicId === definition.topicId) return offline.error;
    const state = this.#options.view.partition(topic, partition);
    const leader = state?.holder?.id ?? -1;
    if (leader >= 0 && leader !== this.#options.brokerId) {
      return new RunnelError('NOT_LEADER', `Broker ${this.#options.brokerId} does not lead partition ${topic}-${partition}; broker ${leader} does`, {
        leaderHint: leader,
      });
    }
    return new RunnelError('LEADER_NOT_AVAILABLE', `Partition ${topic}-${partition} has no leader available yet`);
  }

  /** Hosted partitions whose log could not be opened. */
  get offlineCount(): number {
    return this.#offline.size;
  }

  /** For metrics and DescribeTopics. */
  *partitions(): Iterable<PartitionGauge> {
    for (const r of this.#replicas.values()) yield partitionGauge(r);
  }

  /** Closes every replica: appends in flight finish, logs are flushed and closed. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#unsubscribe?.();
    await Promise.allSettled([...this.#queues.values()]);
    const replicas = [...this.#replicas.values()];
    this.#replicas.clear();
    await Promise.all(replicas.map((r) => r.close()));
  }

  #onChange(change: ViewChange): void {
    if (change.kind === 'partition') {
      void this.#enqueue(change.name);
    } else if (change.kind === 'topic') {
      // A topic that arrives after its partition records (or a recreated one) unblocks their opening.
      for (const [name, state] of this.#options.view.partitions) if (state.value.topic === change.name) void this.#enqueue(name);
    }
  }

  /** Runs reconcile(name) after any reconcile of the same partition already queued; never rejects. */
  #enqueue(name: string): Promise<void> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const next = previous.then(() => this.#reconcile(name)).catch((err: unknown) => {
      this.#options.logger.error({ err, partition: name }, 'partition reconcile failed');
    });
    this.#queues.set(name, next);
    void next.then(() => {
      if (this.#queues.get(name) === next) this.#queues.delete(name);
    });
    return next;
  }

  async #reconcile(name: string): Promise<void> {
    if (this.#closing) return;
    const { brokerId, view, dataDirectory, metrics, logger } = this.#options;
    const desired = view.partitions.get(name);
    const current = this.#replicas.get(name);
    const hosted = desired !== undefined && desired.value.replicas.includes(brokerId);

    if (current !== undefined && (!hosted || current.topicId !== desired.value.topicId)) {
      this.#replicas.delete(name);
      await current.close();
      const deleted = desired === undefined || desired.value.topicId !== current.topicId;
      if (deleted) {
        await dataDirectory.deletePartition(current.topic, current.partition, current.topicId);
        logger.info({ partition: name, topicId: current.topicId }, 'partition deleted');
        if (![...this.#replicas.values()].some((r) => r.topic === current.topic)) metrics.forgetTopic(current.topic);
      }
    }
    const offline = this.#offline.get(name);
    if (offline !== undefined && (!hosted || offline.topicId !== desired.value.topicId)) {
      this.#offline.delete(name);
      if (desired === undefined || desired.value.topicId !== offline.topicId) {
        const [topicName, partition] = [name.slice(0, name.lastIndexOf('-')), Number(name.slice(name.lastIndexOf('-') + 1))];
        await dataDirectory.deletePartition(topicName, partition, offline.topicId);
      }
    }
    if (!hosted) return;
    const state = desired.value;
    const replica = this.#replicas.get(name);
    if (replica !== undefined) {
      replica.applyState(state);
    } else {
      const topic = view.topics.get(state.topic)?.value;
      if (topic === undefined || topic.topicId !== state.topicId) return; // the topic event re-triggers us
      if (this.#offline.has(name)) return; // stays offline until an operator repairs it and restarts
      let config;
      let log;
      try {
        config = parseLogConfig({ ...topic.configs });
        log = await dataDirectory.openPartition(state.topic, state.partition, state.topicId, config);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.#offline.set(name, {
          topicId: state.topicId,
          error: new RunnelError('STORAGE_ERROR', `Partition ${name} is offline on broker ${brokerId}: its log could not be opened: ${message}`, { cause: err }),
        });
        logger.error({ err, partition: name }, 'partition log could not be opened; the partition is offline on this broker');
        return;
      }
      if (this.#closing) {
        await log.close();
        return;
      }
      const opened = new PartitionReplica({ brokerId, log, config, state, counters: metrics.topicCounters(state.topic) });
      this.#replicas.set(name, opened);
      logger.info({ partition: name, topicId: state.topicId, logEndOffset: log.logEndOffset }, 'partition opened');
    }
    const replicaNow = this.#replicas.get(name);
    if (replicaNow === undefined) return;
    const claimed = await this.#options.leadership.onPartition(replicaNow, desired);
    if (claimed !== undefined) {
      replicaNow.applyState(claimed);
      logger.info({ partition: name, leaderEpoch: claimed.leaderEpoch, epochStartOffset: claimed.epochStartOffset }, 'became leader');
    }
    replicaNow.advanceHighWatermark();
  }


}

/** The 8 hex digits of a topic id used in directory names. */
function topicIdPrefix(topicId: string): string {
  return topicId.replaceAll('-', '').slice(0, 8).toLowerCase();
}
