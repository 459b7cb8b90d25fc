/**
 * The cluster model shared by brokers, the operator and the local cluster. Partition state and
 * broker registrations are shaped like the Leases of DESIGN.md §6 so that the Kubernetes store
 * (issue 4) maps them one to one: `leaderEpoch` is the partition Lease's `leaseTransitions`,
 * `holder` its `holderIdentity` (`<id>/<brokerEpoch>`), the rest its JSON annotation.
 */

/** A topic incarnation. `topicId` changes when a topic is deleted and created again. */
export interface TopicDefinition {
  readonly name: string;
  /** UUID, assigned once per incarnation. */
  readonly topicId: string;
  /** Number of partitions; only ever grows. */
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Kafka-style topic configs as given (validated by storage's parseLogConfig). */
  readonly configs: Readonly<Record<string, string>>;
  /** Replica broker ids per partition; the first is the preferred leader. */
  readonly assignments: ReadonlyArray<readonly number[]>;
  /** `Topic.spec.minInsyncReplicas`; when set, `configs['min.insync.replicas']` carries the same value (see {@link withSpecConfigs}). */
  readonly minInsyncReplicas?: number;
  /** `Topic.spec.uncleanLeaderElection`; when set, `configs['unclean.leader.election.enable']` carries the same value. */
  readonly uncleanLeaderElection?: boolean;
  /** `Topic.spec.deletionPolicy`: whether deleting the Topic deletes its partitions and data (the operator's finalizer). */
  readonly deletionPolicy?: 'Delete' | 'Retain';
}

/** Topic configs that a first-class spec field also sets: field → config key. */
export const SPEC_FIELD_CONFIGS = { minInsyncReplicas: 'min.insync.replicas', uncleanLeaderElection: 'unclean.leader.election.enable' } as const;

/**
 * The topic with every first-class spec field also in `configs`, where brokers read it
 * (`min.insync.replicas`, `unclean.leader.election.enable`): the field wins over a config key of
 * the same meaning (admission refuses both together). Returns the same object when nothing changes.
 */
export function withSpecConfigs(topic: TopicDefinition): TopicDefinition {
  let configs: Record<string, string> | undefined;
  for (const [field, key] of Object.entries(SPEC_FIELD_CONFIGS) as Array<[keyof typeof SPEC_FIELD_CONFIGS, string]>) {
    const value = topic[field];
    if (value === undefined || topic.configs[key] === String(value)) continue;
    configs ??= { ...topic.configs };
    configs[key] = String(value);
  }
  return configs === undefined ? topic : { ...topic, configs };
}

/** A replica identified by broker id and incarnation (KIP-903): a restarted broker is a new member. */
export interface ReplicaIdentity {
  readonly id: number;
  readonly brokerEpoch: number;
}

/**
 * Leadership and in-sync state of one partition (the partition Lease of DESIGN.md §6).
 * Invariants: `leaderEpoch` strictly increases with each change of `holder`; the holder, when
 * set, is in `isr`; `isr` ⊆ `replicas`.
 */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  /** The leader and its incarnation, or null when the partition has no leader. */
  readonly holder: ReplicaIdentity | null;
  readonly leaderEpoch: number;
  /** Bumped on every change of replicas or ISR (Kafka's partition epoch). */
  readonly partitionEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly ReplicaIdentity[];
  /** Log end offset of the leader when it took `leaderEpoch` (ISR join rule, §6 rule 6). */
  readonly epochStartOffset: number;
  /** Settles CAS writes with an unknown outcome (§6 rule 7); null when none is pending. */
  readonly proposalId: string | null;
  /** A preferred-leader handover target (§6 rule 10), or null. */
  readonly handoverTo: number | null;
  /**
   * A requested replica list (reassignment, as Kafka's KIP-455), or null/absent when none is
   * pending. Written by an operator or admin through {@link requestReassignment}, which changes
   * nothing else; the leader then carries it out (add the targets, wait for them in the ISR, hand
   * over if it leaves, remove the old replicas) and clears it in its final write.
   */
  readonly targetReplicas?: readonly number[] | null;
}

/** A live broker (the broker Lease of DESIGN.md §6). */
export interface BrokerRegistration {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string;
  /** UUID of the broker's data directory; detects a volume attached to the wrong broker. */
  readonly brokerUuid: string;
  /** Changes on every start of the broker (the Lease's `leaseTransitions`). */
  readonly brokerEpoch: number;
  /** UUID of the running incarnation (the Lease holder is `<id>/<incarnation>`); absent in old records. */
  readonly incarnation?: string;
  /** Renewal counter: every renewal CAS changes the record, so readers see the resourceVersion move. */
  readonly renewals?: number;
  /** Set by a clean shutdown (rule 12): the incarnation ended and the next one need not wait LD. */
  readonly released?: boolean;
}

/** Name of a partition's state record: `<topic>-<partition>`, as the partition Lease will be named. */
export function partitionStateName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Name of a broker's registration record: its id in decimal. */
export function brokerRegistrationName(brokerId: number): string {
  return String(brokerId);
}

/**
 * The state of a new partition: no holder yet (epoch -1), so the first leader takes epoch 0.
 * Creators name that leader at once when a replica is live ({@link electFirstLeader}); otherwise
 * the replicas elect one (DESIGN.md §6 rule 8, "never led").
 */
export function initialPartitionState(topic: TopicDefinition, partition: number): PartitionState {
  const replicas = topic.assignments[partition];
  if (replicas === undefined || replicas.length === 0) {
    throw new RangeError(`Topic ${topic.name} has no replica assignment for partition ${partition}`);
  }
  return {
    topic: topic.name,
    partition,
    topicId: topic.topicId,
    holder: null,
    leaderEpoch: -1,
    partitionEpoch: 0,
    replicas: [...replicas],
    isr: [],
    epochStartOffset: 0,
    proposalId: null,
    handoverTo: null,
  };
}

/**
 * Incarnations of the brokers whose broker Lease is held at the time of reading: registered and not
 * released by a clean shutdown (rule 12). A single read cannot tell a crashed broker whose Lease has
 * not yet expired from a live one; naming such a broker costs only availability (its followers fail
 * over after a lease duration, rule 8), never safety.
 */
export function liveBrokerEpochs(registrations: Iterable<BrokerRegistration>): Map<number, number> {
  const live = new Map<number, number>();
  for (const r of registrations) if (r.released !== true) live.set(r.id, r.brokerEpoch);
  return live;
}

/**
 * The first election of a partition that has never had data, decided by whoever creates its record,
 * as Kafka's controller elects at topic creation: holder = the first replica (in replica order)
 * whose broker is live, at its live brokerEpoch; ISR = every live replica with its brokerEpoch;
 * leaderEpoch 0 (what the first failover of a leaderless record would also take), epochStartOffset 0.
 * It is safe because the record is created, not updated: the create fails if any record exists, so
 * it is the compare-and-swap, and a partition with no record has no data on any replica. The named
 * holder opens the partition as leader the way a handed-over holder does (rule 10's takeover,
 * `IsrManager.acceptHandover`). With no live replica the state stays leaderless (epoch -1) and the
 * replicas elect as before (rule 8, "never led").
 * @param live brokerId -> live brokerEpoch ({@link liveBrokerEpochs})
 * @param proposalId identifies the write (rule 7); a creator settles an unknown outcome by reading it back
 */
export function electFirstLeader(state: PartitionState, live: ReadonlyMap<number, number>, proposalId: string): PartitionState {
  if (state.holder !== null || state.leaderEpoch >= 0 || state.isr.length > 0) {
    throw new RangeError(`Partition ${state.topic}-${state.partition} already had an election (leader epoch ${state.leaderEpoch}): only a new record may be created led`);
  }
  const isr: ReplicaIdentity[] = [];
  for (const id of state.replicas) {
    const brokerEpoch = live.get(id);
    if (brokerEpoch !== undefined) isr.push({ id, brokerEpoch });
  }
  const holder = isr[0];
  if (holder === undefined) return state;
  return { ...state, holder, leaderEpoch: 0, isr, epochStartOffset: 0, proposalId, handoverTo: null };
}
