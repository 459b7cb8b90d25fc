import type { V1Lease } from '@kubernetes/client-node';
import {
  CLUSTER_LABEL,
  TOPIC_ANNOTATION,
  isMetadataStoreError,
  provisionPartitions,
  type PartitionState,
  type TopicStatus,
} from '@runnel/metadata';
import { mergeConditions, standardConditions, statusChanged, type DesiredCondition } from '../conditions.ts';
import { describeApiError, isNotFound } from '../kube-api.ts';
import type { OperatorContext } from '../operator-context.ts';
import { partitionHealth } from '../partition-view.ts';
import { TOPICS, type ClusterResource, type TopicResource } from '../runnel-resources.ts';
import type { ReconcileResult } from '../work-queue.ts';

/** The finalizer the operator puts on every Topic it provisions. */
export const TOPIC_FINALIZER = 'runnel.dev/topic-partitions';
/** Topics with at most this many partitions list the leader of each in their status. */
export const MAX_LEADERS_IN_STATUS = 32;

/**
 * Converges one Topic: finds its Cluster (label `runnel.dev/cluster`), provisions its partitions
 * (`provisionPartitions`: topicId, rack-aware balanced placement on the Cluster's brokers, one
 * partition Lease each; partitions only grow), and writes its status live from the partition
 * Leases when it changed. Problems between objects (no such Cluster, RF above the brokers) are
 * conditions, never a crash loop. Deletion goes through {@link TOPIC_FINALIZER}: with
 * `deletionPolicy: Delete` (the default) the partition Leases go first, so the brokers delete the
 * data; with `Retain` they stay. When the Cluster is gone the finalizer removes itself, so a
 * namespace never hangs.
 */
export class TopicReconciler {
  readonly #ctx: OperatorContext;

  constructor(ctx: OperatorContext) {
    this.#ctx = ctx;
  }

  async reconcile(namespace: string, name: string): Promise<ReconcileResult> {
    const { caches } = this.#ctx;
    const topic = caches.topics.get<TopicResource>(namespace, name);
    if (topic === undefined) return;
    const kafkaName = topic.spec.topicName ?? name;
    const clusterName = topic.metadata.labels?.[CLUSTER_LABEL];
    const cluster = clusterName === undefined ? undefined : caches.clusters.get<ClusterResource>(namespace, clusterName);
    if (topic.metadata.deletionTimestamp != null) return this.#finalize(topic, kafkaName, clusterName, cluster);

    if (clusterName === undefined) {
      return this.#writeStatus(topic, {}, [{ type: 'Ready', status: 'False', reason: 'NoClusterLabel', message: `Topic ${name} names no Cluster: add the label ${CLUSTER_LABEL}=<cluster name>.` }]);
    }
    if (cluster === undefined || cluster.metadata.deletionTimestamp != null) {
      return this.#writeStatus(topic, {}, [
        { type: 'Ready', status: 'False', reason: 'ClusterNotFound', message: `No Cluster ${clusterName} in namespace ${namespace}: create it, or fix the ${CLUSTER_LABEL} label of Topic ${name}.` },
      ]);
    }
    const brokers = Array.from({ length: cluster.spec.replicas }, (_, i) => i);
    if (topic.spec.replicationFactor > brokers.length) {
      return this.#writeStatus(topic, {}, [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ReplicationFactorTooHigh',
          message: `spec.replicationFactor ${topic.spec.replicationFactor} needs at least ${topic.spec.replicationFactor} brokers; Cluster ${clusterName} has ${brokers.length}. Lower the replication factor (delete and re-create the Topic) or scale the Cluster to ${topic.spec.replicationFactor} brokers.`,
        },
        { type: 'Degraded', status: 'True', reason: 'ReplicationFactorTooHigh', message: `No partition was created: the Cluster cannot hold ${topic.spec.replicationFactor} replicas.` },
      ]);
    }
    if (!(topic.metadata.finalizers ?? []).includes(TOPIC_FINALIZER)) {
      // The finalizer goes on before any partition exists, so no partition outlives its Topic unseen.
      await this.#setFinalizers(topic, [...(topic.metadata.finalizers ?? []), TOPIC_FINALIZER]);
      return;
    }

    const racks = rackMap(cluster);
    if (cluster.spec.rackAwareness !== undefined && racks === undefined) {
      return this.#writeStatus(topic, {}, [
        { type: 'Ready', status: 'False', reason: 'WaitingForRacks', message: `Cluster ${clusterName} is rack-aware: partitions are placed once every broker's rack (node label ${cluster.spec.rackAwareness.topologyKey}) is known.` },
        { type: 'Progressing', status: 'True', reason: 'WaitingForRacks', message: 'Waiting for the broker pods to be scheduled.' },
      ]);
    }
    const assigned = parseAssigned(topic);
    let live = this.#livePartitions(namespace, clusterName, kafkaName, assigned.topicId);
    if (assigned.topicId === '' || assigned.assignments < topic.spec.partitions || live.length < topic.spec.partitions) {
      const store = await this.#ctx.stores.get(namespace, clusterName);
      try {
        const result = await provisionPartitions(store, kafkaName, { brokers, ...(racks ? { placement: { racks } } : {}) });
        if (result.created.length > 0) this.#ctx.logger.info({ topic: `${namespace}/${name}`, created: result.created.length }, 'partitions created');
        // The informer shows the new Leases shortly; their events reconcile again.
        live = this.#livePartitions(namespace, clusterName, kafkaName, result.topic.value.topicId);
        assigned.topicId = result.topic.value.topicId;
      } catch (err) {
        if (isMetadataStoreError(err, 'INVALID')) {
          return this.#writeStatus(topic, {}, [{ type: 'Ready', status: 'False', reason: 'ProvisioningFailed', message: err.message }, { type: 'Degraded', status: 'True', reason: 'ProvisioningFailed', message: err.message }]);
        }
        throw err;
      }
    }

    const health = partitionHealth(live);
    const complete = live.length >= topic.spec.partitions;
    const ready = complete && health.offline === 0;
    const leaders = topic.spec.partitions <= MAX_LEADERS_IN_STATUS ? live.map((p) => p.holder?.id ?? -1) : undefined;
    const rf = live.length > 0 ? Math.min(...live.map((p) => p.replicas.length)) : undefined;
    return this.#writeStatus(
      topic,
      {
        topicId: assigned.topicId,
        partitions: live.length,
        underReplicatedPartitions: health.underReplicated,
        offlinePartitions: health.offline,
        ...(rf !== undefined ? { replicationFactor: rf } : {}),
        ...(leaders !== undefined ? { leaders } : {}),
      },
      standardConditions({
        ready,
        readyReason: ready ? 'PartitionsAvailable' : complete ? 'PartitionsOffline' : 'CreatingPartitions',
        readyMessage: ready
          ? `All ${live.length} partitions have a leader.`
          : complete
            ? `${health.offline} of ${live.length} partitions have no leader: check that the brokers of Cluster ${clusterName} are running.`
            : `${live.length} of ${topic.spec.partitions} partitions exist.`,
        ...(!ready ? { progressing: { reason: complete ? 'ElectingLeaders' : 'CreatingPartitions', message: `${live.length - health.offline} of ${topic.spec.partitions} partitions have a leader.` } } : {}),
        ...(health.underReplicated > 0
          ? { degraded: { reason: 'UnderReplicated', message: `${health.underReplicated} partition(s) have fewer in-sync replicas than replicas; they recover when the lagging brokers catch up.` } }
          : {}),
      }),
    );
  }

  /** Partition states of this topic incarnation, from the Lease cache. */
  #livePartitions(namespace: string, cluster: string, topic: string, topicId: string): PartitionState[] {
    return this.#ctx.partitions
      .topicPartitions(namespace, cluster, topic)
      .map((p) => p.state)
      .filter((s) => topicId === '' || s.topicId === topicId);
  }

  async #finalize(topic: TopicResource, kafkaName: string, clusterName: string | undefined, cluster: ClusterResource | undefined): Promise<void> {
    const { namespace } = topic.metadata;
    const finalizers = topic.metadata.finalizers ?? [];
    if (!finalizers.includes(TOPIC_FINALIZER)) return;
    const policy = topic.spec.deletionPolicy ?? 'Delete';
    if (policy === 'Delete' && clusterName !== undefined) {
      const leases = this.#ctx.partitions.topicPartitions(namespace, clusterName, kafkaName);
      const clusterAlive = cluster !== undefined && cluster.metadata.deletionTimestamp == null;
      if (leases.length > 0 && clusterAlive) {
        await this.#event(topic, 'Normal', 'DeletingPartitions', `Deleting the ${leases.length} partition(s) of topic ${kafkaName} (deletionPolicy Delete): the brokers delete their data.`);
      }
      for (const { lease } of leases) {
        try {
          await this.#ctx.api.delete(lease as V1Lease & { metadata: { name: string } }, lease.metadata?.uid ? { uid: lease.metadata.uid } : undefined);
        } catch (err) {
          // With the Cluster gone nothing else would remove the finalizer: never block on it.
          if (clusterAlive) throw err;
          this.#ctx.logger.warn({ err: describeApiError(err), lease: lease.metadata?.name }, 'cannot delete a partition Lease of a deleted topic whose Cluster is gone; leaving it');
        }
      }
    }
    await this.#setFinalizers(topic, finalizers.filter((f) => f !== TOPIC_FINALIZER));
  }

  /**
   * Sets the Topic's finalizers (a CAS on the cached resourceVersion). A Topic that is already
   * gone (404) is success, not a failure to retry: it was deleted since the cache saw it (for the
   * removal, typically because another writer or an earlier attempt already let it go).
   */
  async #setFinalizers(topic: TopicResource, finalizers: readonly string[]): Promise<void> {
    const { namespace, name, resourceVersion } = topic.metadata;
    try {
      await this.#ctx.api.setFinalizers(TOPICS, 'Topic', namespace, name, finalizers, resourceVersion);
    } catch (err) {
      if (isNotFound(err)) {
        this.#ctx.logger.debug({ topic: `${namespace}/${name}` }, 'Topic already gone; its finalizers need no change');
        return;
      }
      throw err;
    }
  }

  async #writeStatus(topic: TopicResource, fields: Omit<TopicStatus, 'conditions' | 'observedGeneration'>, desired: DesiredCondition[]): Promise<void> {
    const generation = topic.metadata.generation ?? 0;
    const status: TopicStatus = { ...fields, observedGeneration: generation, conditions: mergeConditions(topic.status?.conditions, desired, generation, this.#ctx.now()) };
    if (statusChanged(topic.status as Record<string, unknown> | undefined, status as Record<string, unknown>)) {
      await this.#ctx.api.patchStatus(TOPICS, 'Topic', topic.metadata.namespace, topic.metadata.name, status as Record<string, unknown>);
    }
  }

  async #event(topic: TopicResource, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    try {
      await this.#ctx.api.event({ apiVersion: topic.apiVersion, kind: 'Topic', namespace: topic.metadata.namespace, name: topic.metadata.name, uid: topic.metadata.uid }, type, reason, message);
    } catch (err) {
      this.#ctx.logger.warn({ err: describeApiError(err), reason }, 'cannot record an Event');
    }
  }
}

/** topicId and number of assignments from the store's annotation on the Topic. */
function parseAssigned(topic: TopicResource): { topicId: string; assignments: number } {
  const raw = topic.metadata.annotations?.[TOPIC_ANNOTATION];
  if (raw === undefined) return { topicId: '', assignments: 0 };
  try {
    const parsed = JSON.parse(raw) as { topicId?: unknown; assignments?: unknown };
    return { topicId: typeof parsed.topicId === 'string' ? parsed.topicId : '', assignments: Array.isArray(parsed.assignments) ? parsed.assignments.length : 0 };
  } catch {
    return { topicId: '', assignments: 0 };
  }
}

/** Broker id → rack, when the Cluster is rack-aware and every broker's rack is known. */
function rackMap(cluster: ClusterResource): Record<number, string> | undefined {
  if (cluster.spec.rackAwareness === undefined) return undefined;
  const brokers = cluster.status?.brokers ?? [];
  const racks: Record<number, string> = {};
  for (let id = 0; id < cluster.spec.replicas; id++) {
    const rack = brokers.find((b) => b.id === id)?.rack;
    if (rack === undefined) return undefined;
    racks[id] = rack;
  }
  return racks;
}
