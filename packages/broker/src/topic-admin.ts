import { RunnelError } from '@runnel/protocol';
import {
  assignReplicas,
  initialPartitionState,
  isMetadataStoreError,
  partitionStateName,
  validateTopicName,
  type MetadataStore,
  type TopicDefinition,
} from '@runnel/metadata';
import { parseLogConfig, storageConfigKeys } from '@runnel/storage';

/** Topic config keys the broker owns (storage owns the rest of the known keys). */
export const brokerConfigKeys: readonly string[] = ['min.insync.replicas', 'unclean.leader.election.enable'];

/** Most partitions one topic may have; bounds what one request can make a broker open. */
export const MAX_TOPIC_PARTITIONS = 10_000;

/** What a new topic should look like. */
export interface TopicRequest {
  readonly name: string;
  readonly partitions: number;
  /** 0 means the cluster default (1). */
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

/**
 * Checks a topic request and returns its complete definition (with a fresh topicId and a
 * balanced replica placement over `brokerIds`).
 * @throws RunnelError INVALID_TOPIC_NAME, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (RF
 *   below 1 or above the number of brokers) or INVALID_CONFIG, naming what is wrong
 */
export function planTopic(request: TopicRequest, brokerIds: readonly number[]): TopicDefinition {
  validateTopicName(request.name);
  const { name, partitions } = request;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_TOPIC_PARTITIONS) {
    throw new RunnelError('INVALID_PARTITIONS', `Cannot create topic ${name} with ${partitions} partitions: expected 1..${MAX_TOPIC_PARTITIONS}`);
  }
  const rf = request.replicationFactor === 0 ? 1 : request.replicationFactor;
  if (!Number.isInteger(rf) || rf < 1) {
    throw new RunnelError('INVALID_REPLICATION_FACTOR', `Cannot create topic ${name} with replication factor ${rf}: it must be at least 1`);
  }
  if (rf > brokerIds.length) {
    throw new RunnelError('INVALID_REPLICATION_FACTOR', `Cannot create topic ${name} with replication factor ${rf}: the cluster has only ${brokerIds.length} broker(s)`);
  }
  const known = new Set([...storageConfigKeys, ...brokerConfigKeys]);
  for (const key of Object.keys(request.configs)) {
    if (!known.has(key)) {
      throw new RunnelError('INVALID_CONFIG', `Cannot create topic ${name}: unknown config key ${JSON.stringify(key)} (known keys: ${[...known].sort().join(', ')})`);
    }
  }
  const minIsr = request.configs['min.insync.replicas'];
  if (minIsr !== undefined && (!/^\d+$/.test(minIsr) || Number(minIsr) < 1 || Number(minIsr) > rf)) {
    throw new RunnelError('INVALID_CONFIG', `Invalid value ${JSON.stringify(minIsr)} for topic config min.insync.replicas: expected 1..${rf} (the replication factor)`);
  }
  try {
    parseLogConfig({ ...request.configs });
  } catch (err) {
    if (err instanceof RunnelError) throw new RunnelError(err.code, `Cannot create topic ${name}: ${err.message}`, { cause: err });
    throw err;
  }
  return {
    name,
    topicId: crypto.randomUUID(),
    partitions,
    replicationFactor: rf,
    configs: { ...request.configs },
    assignments: assignReplicas(partitions, rf, brokerIds),
  };
}

/**
 * Creates a planned topic in the store: the topic record first, then one partition state record
 * per partition. Brokers watching the store open the partitions they host.
 * @throws RunnelError TOPIC_ALREADY_EXISTS
 */
export async function createTopic(store: MetadataStore, topic: TopicDefinition): Promise<void> {
  try {
    await store.topics.create(topic.name, topic);
  } catch (err) {
    if (isMetadataStoreError(err, 'ALREADY_EXISTS')) throw new RunnelError('TOPIC_ALREADY_EXISTS', `Topic ${topic.name} already exists`, { cause: err });
    throw err;
  }
  const createPartition = async (p: number): Promise<void> => {
    const state = initialPartitionState(topic, p);
    try {
      await store.partitions.create(partitionStateName(topic.name, p), state);
    } catch (err) {
      // A leftover of an earlier incarnation (a delete interrupted half-way): replace it.
      if (!isMetadataStoreError(err, 'ALREADY_EXISTS')) throw err;
      const old = await store.partitions.get(partitionStateName(topic.name, p));
      if (old !== undefined) await store.partitions.update(old.name, { ...state, leaderEpoch: Math.max(state.leaderEpoch, old.value.leaderEpoch) }, old.resourceVersion);
    }
  };
  // Several records in flight at once: a store that persists each write (the local journal's
  // fdatasync, an API server round trip) then commits them together instead of one by one.
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < topic.partitions) {
      const p = next++;
      try {
        await createPartition(p);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTITION_CREATE_CONCURRENCY, topic.partitions) }, worker));
  if (failure !== undefined) throw failure.err;
}

/** Partition state records {@link createTopic} writes at once. */
export const PARTITION_CREATE_CONCURRENCY = 32;

/**
 * Deletes a topic: partition records first (their brokers close and delete the logs), then the
 * topic record.
 * @throws RunnelError UNKNOWN_TOPIC
 */
export async function deleteTopic(store: MetadataStore, name: string): Promise<void> {
  validateTopicName(name);
  const topic = await store.topics.get(name);
  if (topic === undefined) throw new RunnelError('UNKNOWN_TOPIC', `Cannot delete topic ${JSON.stringify(name)}: it does not exist`);
  for (let p = 0; p < topic.value.partitions; p++) {
    try {
      await store.partitions.delete(partitionStateName(name, p));
    } catch (err) {
      if (!isMetadataStoreError(err, 'NOT_FOUND')) throw err;
    }
  }
  try {
    await store.topics.delete(name, { resourceVersion: topic.resourceVersion });
  } catch (err) {
    if (isMetadataStoreError(err, 'NOT_FOUND')) return;
    throw err;
  }
}
