import type { KubernetesObject, V1Lease, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import type { PartitionState } from '@runnel/metadata';
import { BROKER_ID_LABEL, CLUSTER_LABEL, LEASE_KIND_LABEL, OFFSETS_TOPIC, TOPIC_ANNOTATION, isMetadataStoreError, requestReassignment, type ClusterStatus } from '@runnel/metadata';
import { mergeConditions, standardConditions, statusChanged } from '../conditions.ts';
import { describeApiError } from '../kube-api.ts';
import { isUpToDate } from '../managed-labels.ts';
import type { OperatorContext } from '../operator-context.ts';
import { partitionHealth } from '../partition-view.ts';
import { CLUSTERS, type ClusterResource, type TopicResource } from '../runnel-resources.ts';
import type { ReconcileResult } from '../work-queue.ts';
import { brokerPods, type BrokerPod } from './broker-pods.ts';
import { BROKER_PORT, clusterObjectNames, clusterResources, offsetsTopicResource } from './cluster-resources.ts';
import { planRoll, replicasOnRemovedBrokers, type RollStep } from './roll-plan.ts';
import { planScaleDown, type ScaleDownPlan } from './scale-down-plan.ts';

/** Where a scale-down stands (spec.replicas below the StatefulSet's). */
type ScaleDown =
  | { readonly state: 'none' }
  /** Partitions of deleted Topics kept by `deletionPolicy: Retain` have replicas on leaving brokers: nobody leads them, so they cannot move. */
  | { readonly state: 'blocked'; readonly partitions: readonly string[] }
  /** The remaining brokers cannot hold these partitions' replication factor. */
  | { readonly state: 'refused'; readonly partitions: readonly string[] }
  /** Replicas are moving off the leaving brokers; the pods stay until none is left. */
  | { readonly state: 'reassigning'; readonly plan: ScaleDownPlan; readonly requested: number };

/**
 * Converges one Cluster: applies the objects it is made of (only those whose applied hash
 * differs, so a steady state writes nothing), scales the StatefulSet (up at once; down only once
 * the brokers that go hold no replica: it first asks the partitions' leaders to move them, see
 * {@link planScaleDown}), rolls outdated broker pods one at a time through {@link planRoll}, and
 * writes the status (live broker and partition health) when it changed.
 */
export class ClusterReconciler {
  readonly #ctx: OperatorContext;
  /** Node name → rack label value, per topology key (nodes rarely change their zone). */
  readonly #racks = new Map<string, string | undefined>();

  constructor(ctx: OperatorContext) {
    this.#ctx = ctx;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { caches, api } = this.#ctx;
    const cluster = caches.clusters.get<ClusterResource>(namespace, name);
    // Gone or going: the garbage collector removes what the owner references tie to it.
    if (cluster === undefined || cluster.metadata.deletionTimestamp != null) return;
    const names = clusterObjectNames(name);
    const live = caches.statefulSets.get<V1StatefulSet>(namespace, names.statefulSet);
    const allPartitions = this.#ctx.partitions.partitions(namespace, name).map((p) => p.state);
    // Partitions of a Topic that exists; those retained after their Topic was deleted
    // (deletionPolicy Retain) are not served, so they neither count for health nor hold up a roll.
    const served = this.#servedTopicIds(namespace, name);
    const partitions = allPartitions.filter((p) => served.has(p.topicId));

    // Scale-up at once; scale-down only once no replica is left on the brokers that go.
    const current = live?.spec?.replicas ?? cluster.spec.replicas;
    let replicas = cluster.spec.replicas;
    const scaleDown = replicas < current ? await this.#prepareScaleDown(cluster, current, served, allPartitions, partitions) : ({ state: 'none' } as const);
    if (scaleDown.state !== 'none') replicas = current;
    else if (replicas < current) await this.#event(cluster, 'Normal', 'ScalingDown', `Scaling down from ${current} to ${replicas} brokers: no replica is left on brokers ${replicas}..${current - 1}; removing their pods.`);
    const desired = clusterResources({ ...cluster, spec: { ...cluster.spec, replicas } }, live);
    for (const object of desired) {
      const cached = this.#cached(namespace, object);
      if (!isUpToDate(cached, object)) await api.apply(object);
    }
    await this.#ensureOffsetsTopic(cluster);

    const statefulSet = caches.statefulSets.get<V1StatefulSet>(namespace, names.statefulSet);
    const pods = brokerPods(statefulSet, caches.pods.list<V1Pod>(namespace).filter((p) => p.metadata?.labels?.['app.kubernetes.io/instance'] === name));
    const templateCurrent = statefulSet?.status?.observedGeneration !== undefined && statefulSet.status.observedGeneration >= (statefulSet.metadata?.generation ?? 0);
    let roll: RollStep = templateCurrent
      ? planRoll(pods, replicas, partitions, (topic) => this.#minIsr(namespace, name, topic), this.#brokerEpochs(namespace, name))
      : { action: 'wait', reason: 'WaitingForStatefulSet', message: 'Waiting for the StatefulSet controller to observe the new template.' };
    let result: ReconcileResult = undefined;
    if (roll.action === 'restart') {
      // The Leases say it is safe; the brokers must agree (their view may be fresher).
      const refusal = await this.#askBrokers(pods, roll.broker);
      if (refusal !== undefined) {
        roll = refusal;
        // A broker's answer changes without an event the operator watches: ask again shortly.
        result = { requeueAfterMs: 2_000 };
      } else {
        await this.#event(cluster, 'Normal', 'RestartingBroker', roll.message);
        await api.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: roll.broker.name, namespace } });
      }
    }
    await this.#writeStatus(cluster, statefulSet, pods, partitions, roll, scaleDown, current);
    // Lease events wake the reconciler as the moves progress; this is the safety net.
    if (scaleDown.state === 'reassigning') result = { requeueAfterMs: Math.min(result?.requeueAfterMs ?? 5_000, 5_000) };
    return result;
  }

  /**
   * Declares the Cluster's `__consumer_offsets` Topic when no Topic of the Cluster has that name
   * (brokers on Kubernetes cannot create it; they answer group requests once it exists). Created
   * once: a Topic that exists, the operator's or a user's own, is left as it is.
   */
  async #ensureOffsetsTopic(cluster: ClusterResource): Promise<void> {
    const { name, namespace } = cluster.metadata;
    const exists = this.#ctx.caches.topics
      .list<TopicResource>(namespace)
      .some((t) => t.metadata.labels?.[CLUSTER_LABEL] === name && (t.spec.topicName ?? t.metadata.name) === OFFSETS_TOPIC);
    if (exists) return;
    const topic = offsetsTopicResource(cluster);
    await this.#ctx.api.apply(topic);
    this.#ctx.logger.info({ cluster: `${namespace}/${name}`, topic: topic.metadata?.name }, 'declared the consumer offsets topic');
  }

  /**
   * The scale-down's state, and its next actions: a refusal (a partition's RF does not fit on the
   * remaining brokers) or a block (retained partitions of deleted Topics on leaving brokers) gets a
   * Warning Event when it starts; otherwise every partition on a leaving broker without an
   * acceptable target pending gets one ({@link requestReassignment}: only `targetReplicas` is
   * written; the leader moves the replica, DESIGN.md §6 rule 10).
   */
  async #prepareScaleDown(cluster: ClusterResource, current: number, served: ReadonlySet<string>, allPartitions: readonly PartitionState[], partitions: readonly PartitionState[]): Promise<ScaleDown> {
    const desired = cluster.spec.replicas;
    const leaving = `${desired}..${current - 1}`;
    const degradedReason = cluster.status?.conditions?.find((c) => c.type === 'Degraded' && c.status === 'True')?.reason;
    const retained = replicasOnRemovedBrokers(desired, allPartitions.filter((p) => !served.has(p.topicId)));
    if (retained.length > 0) {
      if (degradedReason !== 'ScaleDownBlocked') {
        await this.#event(cluster, 'Warning', 'ScaleDownBlocked', `Not removing brokers ${leaving}: they hold replicas of ${retained.length} partition(s) of deleted Topics kept by deletionPolicy Retain (${example(retained)}), which no leader can move.`);
      }
      return { state: 'blocked', partitions: retained };
    }
    const racks = rackMap(cluster);
    const plan = planScaleDown(desired, partitions, racks);
    if (plan.impossible.length > 0) {
      if (degradedReason !== 'ScaleDownRefused') {
        await this.#event(cluster, 'Warning', 'ScaleDownRefused', `Not scaling down to ${desired} brokers: ${plan.impossible.length} partition(s) need more replicas than ${desired} brokers can hold (${example(plan.impossible)}).`);
      }
      return { state: 'refused', partitions: plan.impossible };
    }
    if (plan.moving.length === 0) return { state: 'none' };
    let requested = 0;
    if (plan.requests.length > 0) {
      const store = await this.#ctx.stores.get(cluster.metadata.namespace, cluster.metadata.name);
      for (const r of plan.requests) {
        try {
          const { written } = await requestReassignment(store, r.topic, r.partition, r.target, { topicId: r.topicId });
          if (written) requested++;
        } catch (err) {
          // Gone meanwhile (a Topic deleted): the next reconcile sees it. Anything else is retried with backoff.
          if (!isMetadataStoreError(err, 'NOT_FOUND')) throw err;
        }
      }
      if (requested > 0) {
        await this.#event(cluster, 'Normal', 'ReassigningReplicas', `Scaling down from ${current} to ${desired} brokers: asked the leaders of ${requested} partition(s) to move their replicas off brokers ${leaving} (${example(plan.requests.map((r) => `${r.topic}-${r.partition} → [${r.target.join(',')}]`))}).`);
      }
    }
    return { state: 'reassigning', plan, requested };
  }

  /**
   * PostRestartCheck of every broker already restarted, then PreRestartCheck of the candidate;
   * the wait step when any says no or cannot be asked, undefined when the restart may go ahead.
   */
  async #askBrokers(pods: readonly BrokerPod[], candidate: BrokerPod): Promise<RollStep | undefined> {
    const checks = this.#ctx.brokerChecks;
    const progress = `${pods.filter((p) => p.updated).length} of ${pods.length} brokers updated`;
    const address = (p: BrokerPod): string => `${p.podIP ?? p.name}:${BROKER_PORT}`;
    const list = (items: ReadonlyArray<{ topic: string; partition: number; reason: string }>): string =>
      items.slice(0, 3).map((r) => `${r.topic}-${r.partition} (${r.reason})`).join(', ') + (items.length > 3 ? `, and ${items.length - 3} more` : '');
    let step = 'PostRestartCheck';
    let asked = candidate;
    try {
      for (const p of pods.filter((b) => b.updated)) {
        asked = p;
        const post = await checks.postRestart(address(p));
        if (!post.caughtUp) {
          return { action: 'wait', reason: 'WaitingForIsr', message: `Rolling restart (${progress}): broker ${p.id} is in the ISR of ${post.inSync} of its ${post.partitions} partitions; waiting for ${list(post.lagging)}.` };
        }
      }
      step = 'PreRestartCheck';
      asked = candidate;
      const pre = await checks.preRestart(address(candidate));
      if (!pre.safe) {
        return { action: 'wait', reason: 'RestartWouldBreakMinIsr', message: `Rolling restart (${progress}) is waiting: broker ${candidate.id} reports that stopping it now would hurt ${list(pre.atRisk)}.` };
      }
    } catch (err) {
      return { action: 'wait', reason: 'BrokerCheckFailed', message: `Rolling restart (${progress}) is waiting: cannot ask broker ${asked.id} (${address(asked)}) ${step}: ${err instanceof Error ? err.message : String(err)}.` };
    }
    return undefined;
  }

  /** topicIds of the Topics of `cluster` (from the store's annotation on each Topic). */
  #servedTopicIds(namespace: string, cluster: string): Set<string> {
    const ids = new Set<string>();
    for (const t of this.#ctx.caches.topics.list<TopicResource>(namespace)) {
      if (t.metadata.labels?.[CLUSTER_LABEL] !== cluster) continue;
      try {
        const id = (JSON.parse(t.metadata.annotations?.[TOPIC_ANNOTATION] ?? '{}') as { topicId?: unknown }).topicId;
        if (typeof id === 'string' && id !== '') ids.add(id);
      } catch {
        // not provisioned yet
      }
    }
    return ids;
  }

  /** brokerEpoch of each broker, from its broker Lease (`leaseTransitions`). */
  #brokerEpochs(namespace: string, cluster: string): Map<number, number> {
    const epochs = new Map<number, number>();
    for (const lease of this.#ctx.caches.leases.list<V1Lease>(namespace)) {
      const labels = lease.metadata?.labels;
      if (labels?.[CLUSTER_LABEL] !== cluster || labels[LEASE_KIND_LABEL] !== 'broker') continue;
      const id = Number(labels[BROKER_ID_LABEL]);
      if (Number.isInteger(id)) epochs.set(id, lease.spec?.leaseTransitions ?? 0);
    }
    return epochs;
  }

  #cached(namespace: string, object: KubernetesObject): KubernetesObject | undefined {
    const name = object.metadata?.name ?? '';
    if (object.kind === 'StatefulSet') return this.#ctx.caches.statefulSets.get(namespace, name);
    return this.#ctx.caches.owned.get(object.kind ?? '')?.get(namespace, name);
  }

  #minIsr(namespace: string, cluster: string, topic: string): number {
    const resource = this.#ctx.caches.topics
      .list<TopicResource>(namespace)
      .find((t) => t.metadata.labels?.['runnel.dev/cluster'] === cluster && (t.spec.topicName ?? t.metadata.name) === topic);
    const fromSpec = resource?.spec.minInsyncReplicas ?? Number.parseInt(resource?.spec.configs?.['min.insync.replicas'] ?? '1', 10);
    return Number.isInteger(fromSpec) && fromSpec > 0 ? fromSpec : 1;
  }

  async #rackOf(cluster: ClusterResource, pod: BrokerPod): Promise<string | undefined> {
    const key = cluster.spec.rackAwareness?.topologyKey;
    if (key === undefined || pod.nodeName === undefined) return undefined;
    const cacheKey = `${key}\u0000${pod.nodeName}`;
    if (!this.#racks.has(cacheKey)) {
      try {
        const node = await this.#ctx.core.readNode({ name: pod.nodeName });
        this.#racks.set(cacheKey, node.metadata?.labels?.[key]);
      } catch (err) {
        this.#ctx.logger.warn({ err: describeApiError(err), node: pod.nodeName }, 'cannot read the node of a broker for its rack');
        return undefined;
      }
    }
    return this.#racks.get(cacheKey);
  }

  async #writeStatus(
    cluster: ClusterResource,
    statefulSet: V1StatefulSet | undefined,
    pods: readonly BrokerPod[],
    partitions: Parameters<typeof partitionHealth>[0],
    roll: RollStep,
    scaleDown: ScaleDown,
    current: number,
  ): Promise<void> {
    const { metrics } = this.#ctx;
    const { name, namespace } = cluster.metadata;
    const desired = cluster.spec.replicas;
    const ready = pods.filter((p) => p.ready).length;
    const health = partitionHealth(partitions);
    metrics.desiredBrokers.set({ cluster_namespace: namespace, cluster: name }, desired);
    metrics.readyBrokers.set({ cluster_namespace: namespace, cluster: name }, ready);
    const brokers = [];
    for (const pod of pods) {
      const rack = await this.#rackOf(cluster, pod);
      brokers.push({ id: pod.id, pod: pod.name, ready: pod.ready, ...(rack !== undefined ? { rack } : {}) });
    }
    const allReady = ready === desired && pods.length === desired && roll.action === 'none' && scaleDown.state === 'none';
    const leaving = `${desired}..${current - 1}`;
    const progressing =
      scaleDown.state === 'reassigning'
        ? {
            reason: 'ReassigningReplicas',
            message: `Scaling down from ${current} to ${desired} brokers: moving replicas off brokers ${leaving} first; ${scaleDown.plan.moving.length} partition(s) still have a replica there (${example(scaleDown.plan.moving)}). The pods are removed once none is left.`,
          }
        : roll.action !== 'none'
        ? { reason: roll.action === 'restart' ? 'RollingRestart' : roll.reason, message: roll.message }
        : pods.length !== desired || ready < pods.length
          ? { reason: pods.length < desired ? 'ScalingUp' : pods.length > desired ? 'ScalingDown' : 'BrokersStarting', message: `${ready} of ${desired} brokers Ready.` }
          : undefined;
    const degraded =
      scaleDown.state === 'blocked'
        ? {
            reason: 'ScaleDownBlocked',
            message: `spec.replicas is ${desired} but brokers ${leaving} still hold replicas of ${scaleDown.partitions.length} partition(s) of deleted Topics kept by deletionPolicy Retain (${example(scaleDown.partitions)}); no leader can move them, so the brokers keep running. Delete those partition Leases once their data is no longer needed, or set spec.replicas back to ${current}.`,
          }
        : scaleDown.state === 'refused'
          ? {
              reason: 'ScaleDownRefused',
              message: `spec.replicas is ${desired} but ${scaleDown.partitions.length} partition(s) need more replicas than ${desired} brokers can hold (${example(scaleDown.partitions)}); brokers ${leaving} keep running. Lower those topics' replication factor, or set spec.replicas back to ${current}.`,
            }
          : health.offline > 0
          ? { reason: 'PartitionsOffline', message: `${health.offline} partition(s) have no leader: check that their replicas' brokers are running.` }
          : health.underReplicated > 0
            ? { reason: 'UnderReplicated', message: `${health.underReplicated} partition(s) have fewer in-sync replicas than replicas; they recover when the lagging brokers catch up.` }
            : undefined;
    const conditions = mergeConditions(
      cluster.status?.conditions,
      standardConditions({
        ready: allReady,
        readyReason: allReady ? 'BrokersReady' : 'BrokersNotReady',
        readyMessage: allReady ? `All ${desired} brokers are Ready and run the current spec.` : `${ready} of ${desired} brokers Ready${roll.action !== 'none' ? '; a rolling restart is in progress' : ''}.`,
        ...(progressing ? { progressing } : {}),
        ...(degraded ? { degraded } : {}),
      }),
      cluster.metadata.generation ?? 0,
      this.#ctx.now(),
    );
    const status: ClusterStatus = {
      replicas: statefulSet?.status?.replicas ?? 0,
      readyReplicas: ready,
      readyBrokers: `${ready}/${desired}`,
      underReplicatedPartitions: health.underReplicated,
      offlinePartitions: health.offline,
      brokers,
      observedGeneration: cluster.metadata.generation ?? 0,
      conditions,
    };
    if (statusChanged(cluster.status as Record<string, unknown> | undefined, status as Record<string, unknown>)) {
      await this.#ctx.api.patchStatus(CLUSTERS, 'Cluster', namespace, name, status as Record<string, unknown>);
    }
  }

  async #event(cluster: ClusterResource, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await this.#ctx.api.event({ apiVersion: cluster.apiVersion, kind: 'Cluster', namespace: cluster.metadata.namespace, name: cluster.metadata.name, uid: cluster.metadata.uid }, type, reason, message);
    } catch (err) {
      this.#ctx.logger.warn({ err: describeApiError(err), reason }, 'cannot record an Event');
    }
  }
}

const example = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? `, and ${names.length - 3} more` : ''}`;

/** Broker id → rack from the Cluster's status, when it is rack-aware and racks are known (else placement ignores racks). */
function rackMap(cluster: ClusterResource): Record<number, string> | undefined {
  if (cluster.spec.rackAwareness === undefined) return undefined;
  const racks: Record<number, string> = {};
  for (const b of cluster.status?.brokers ?? []) if (b.rack !== undefined) racks[b.id] = b.rack;
  return Object.keys(racks).length > 0 ? racks : undefined;
}
