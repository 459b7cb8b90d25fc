import { assignReplicas, type AssignReplicasOptions } from './assign-replicas.ts';
import { MetadataStoreError, isMetadataStoreError } from './errors.ts';
import type { MetadataStore, Versioned } from './metadata-store.ts';
import { electFirstLeader, initialPartitionState, liveBrokerEpochs, partitionStateName, type TopicDefinition } from './topic-model.ts';

/** Options of {@link provisionPartitions}. */
export interface ProvisionPartitionsOptions {
  /** Broker ids to place new replicas on. */
  readonly brokers: readonly number[];
  /** Placement knobs (tests pin them for determinism). @default continue the round-robin of partition 0's leader, random shift */
  readonly placement?: AssignReplicasOptions;
  /** Compare-and-swap retries of the topic before giving up. @default 10 */
  readonly maxConflicts?: number;
  /** Partition records created at once (the store's own rate limits still apply). @default 32 */
  readonly concurrency?: number;
  /**
   * Live brokers (id -> brokerEpoch) that new partitions may be created led by ({@link electFirstLeader}).
   * @default the broker registrations in the store that are not released, read once; none when that read fails
   */
  readonly live?: ReadonlyMap<number, number>;
  /** The proposalId of each led record (rule 7). @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** What {@link provisionPartitions} did. */
export interface ProvisionPartitionsResult {
  /** The topic with its topicId and an assignment for every partition. */
  readonly topic: Versioned<TopicDefinition>;
  /** Partition record names created now. */
  readonly created: string[];
  /** Partition record names that already existed (left exactly as they were). */
  readonly existing: string[];
  /** How many of the created records named their first leader (the rest were created leaderless). */
  readonly led: number;
}

/**
 * Gives a topic its topicId and replica assignments and creates a partition record (on Kubernetes,
 * a partition Lease) for every partition that has none. Idempotent and safe to run concurrently or
 * again after a crash: the topic is changed only by compare-and-swap, assignments already made are
 * kept (new partitions continue partition 0's round-robin, so leaders stay balanced as a topic
 * grows), and an existing partition record is never written — its holder, epochs and ISR belong to
 * the leadership protocol. A new record is created with its first election in it when one of its
 * replicas is live (`electFirstLeader`: one write per partition, the create being the CAS), else
 * leaderless (`initialPartitionState`), and its replicas elect (DESIGN.md §6 rule 8).
 * @throws MetadataStoreError NOT_FOUND when the topic does not exist, INVALID when the brokers
 *   cannot hold its replication factor or it has more assignments than partitions.
 */
export async function provisionPartitions(store: MetadataStore, topicName: string, options: ProvisionPartitionsOptions): Promise<ProvisionPartitionsResult> {
  const maxConflicts = options.maxConflicts ?? 10;
  let topic: Versioned<TopicDefinition>;
  for (let conflicts = 0; ; conflicts++) {
    const read = await store.topics.get(topicName);
    if (read === undefined) throw new MetadataStoreError('NOT_FOUND', `Cannot provision partitions of topic ${topicName}: it does not exist`);
    const desired = withAssignments(read.value, options);
    if (desired === read.value) {
      topic = read;
      break;
    }
    try {
      topic = await store.topics.update(topicName, desired, read.resourceVersion);
      break;
    } catch (err) {
      // A lost race or an unknown outcome: read again and re-derive (the derivation is idempotent).
      if (!(isMetadataStoreError(err, 'CONFLICT') || isMetadataStoreError(err, 'UNKNOWN_OUTCOME')) || conflicts >= maxConflicts) throw err;
    }
  }
  // Partition records are independent, so they are created with bounded concurrency: a store that
  // group-commits (the memory store's journal) or pipelines requests then shares its round trips.
  const outcome: Array<'created' | 'existing'> = new Array<'created' | 'existing'>(topic.value.partitions);
  const live = options.live ?? (await readLiveBrokers(store));
  const newId = options.newId ?? (() => crypto.randomUUID());
  let led = 0;
  let nextPartition = 0;
  const createNext = async (): Promise<void> => {
    for (let p = nextPartition++; p < topic.value.partitions; p = nextPartition++) {
      const name = partitionStateName(topicName, p);
      try {
        const state = electFirstLeader(initialPartitionState(topic.value, p), live, newId());
        await store.partitions.create(name, state);
        outcome[p] = 'created';
        if (state.holder !== null) led++;
      } catch (err) {
        if (isMetadataStoreError(err, 'ALREADY_EXISTS')) outcome[p] = 'existing';
        else if (isMetadataStoreError(err, 'UNKNOWN_OUTCOME') && (await store.partitions.get(name)) !== undefined) outcome[p] = 'created';
        else throw err;
      }
    }
  };
  const workers = Math.min(options.concurrency ?? 32, topic.value.partitions);
  await Promise.all(Array.from({ length: workers }, createNext));
  const created: string[] = [];
  const existing: string[] = [];
  for (let p = 0; p < topic.value.partitions; p++) (outcome[p] === 'created' ? created : existing).push(partitionStateName(topicName, p));
  return { topic, created, existing, led };
}

/** The live brokers as one read shows them; none (so partitions start leaderless) when the read fails. */
async function readLiveBrokers(store: MetadataStore): Promise<Map<number, number>> {
  try {
    return liveBrokerEpochs((await store.brokers.list()).items.map((v) => v.value));
  } catch {
    return new Map();
  }
}

/** The topic with a topicId and an assignment per partition; the same object when nothing is missing. */
function withAssignments(topic: TopicDefinition, options: ProvisionPartitionsOptions): TopicDefinition {
  const have = topic.assignments ?? [];
  if (have.length > topic.partitions) {
    throw new MetadataStoreError('INVALID', `Cannot provision topic ${topic.name}: it has ${have.length} replica assignments but only ${topic.partitions} partitions (partitions never shrink)`);
  }
  if (topic.topicId !== '' && have.length === topic.partitions) return topic;
  let added: number[][] = [];
  if (have.length < topic.partitions) {
    const brokers = [...new Set(options.brokers)].sort((a, b) => a - b);
    if (topic.replicationFactor > brokers.length) {
      throw new MetadataStoreError('INVALID', `Cannot place topic ${topic.name}: replication factor ${topic.replicationFactor} needs at least ${topic.replicationFactor} brokers, there are ${brokers.length}`);
    }
    const firstLeader = have[0]?.[0];
    const startIndex = firstLeader !== undefined && brokers.includes(firstLeader) ? brokers.indexOf(firstLeader) : undefined;
    const plan = assignReplicas(topic.partitions, topic.replicationFactor, brokers, { ...(startIndex !== undefined ? { startIndex } : {}), ...options.placement });
    added = plan.slice(have.length);
  }
  return { ...topic, topicId: topic.topicId === '' ? crypto.randomUUID() : topic.topicId, assignments: [...have.map((a) => [...a]), ...added] };
}
