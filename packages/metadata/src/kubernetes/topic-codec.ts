import { MetadataStoreError } from '../errors.ts';
import { SPEC_FIELD_CONFIGS, withSpecConfigs, type TopicDefinition } from '../topic-model.ts';
import { TOPIC_SPEC_FIELDS } from '../crds/topic-schema.ts';
import { parseAnnotation, resourceVersionOf, type KubeObject, type ResourceCodec, type ResourceRef } from './kube-object.ts';
import { CLUSTER_LABEL, RUNNEL_GROUP, TOPIC_ANNOTATION, topicResourceName } from './kube-names.ts';

/** runnel.dev/v1alpha1 Topics. */
export const TOPICS: ResourceRef = { group: RUNNEL_GROUP, version: 'v1alpha1', plural: 'topics', kind: 'Topic' };

/**
 * Topic definition ⇄ `Topic` resource. What a user declares (partitions, replicationFactor,
 * configs, minInsyncReplicas, deletionPolicy, uncleanLeaderElection) lives in `spec`, with the Kafka
 * name in `spec.topicName` (object names cannot hold uppercase or `_`); what the store assigns
 * (topicId, assignments, and any later model field) lives in the JSON annotation `runnel.dev/topic`.
 *
 * Spec fields that brokers read as configs (`minInsyncReplicas`, `uncleanLeaderElection`) are
 * also put into `configs` on read ({@link withSpecConfigs}), so every spec field reaches them.
 *
 * A Topic created by a user (kubectl) has no annotation until it is provisioned
 * (`provisionPartitions`); it reads as topicId `""` and no assignments, so brokers must ignore
 * topics whose topicId is empty.
 */
export function topicCodec(cluster: string): ResourceCodec<TopicDefinition> {
  // Object name, labels and annotations of the topics read so far: for Topics a user named
  // differently from topicResourceName (both names are immutable, so an entry goes stale only by
  // delete and re-create, which then fails as NOT_FOUND and is fixed by the caller's re-read), and
  // so a PUT keeps what others put there (kubectl's last-applied-configuration, their labels).
  // Finalizers and owner references are kept too: a PUT replaces them, and the operator's
  // finalizer must survive the store's own writes (provisioning).
  const seen = new Map<string, Pick<KubeObject['metadata'], 'name' | 'labels' | 'annotations'> & { finalizers?: unknown; ownerReferences?: unknown; topicNameAbsent?: boolean }>();
  return {
    collection: 'topics',
    resource: TOPICS,
    labelSelector: `${CLUSTER_LABEL}=${cluster}`,
    nameMayDiffer: true,
    objectName: (name) => seen.get(name)?.name ?? topicResourceName(name),
    encode(name, value) {
      if (value.name !== name) throw new MetadataStoreError('INVALID', `Cannot write topics/${name}: the value is for topic ${value.name}`);
      // spec.topicName is immutable, absent included: a Topic a user created without it (its
      // object name is the topic name) is written back without it.
      const omitTopicName = seen.get(name)?.topicNameAbsent === true && seen.get(name)?.name === name;
      const spec: Record<string, unknown> = omitTopicName ? {} : { topicName: name };
      const assigned: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(value)) {
        if (key === 'name') continue;
        if ((TOPIC_SPEC_FIELDS as readonly string[]).includes(key)) spec[key] = field;
        else assigned[key] = field;
      }
      // A config key that mirrors a spec field (withSpecConfigs on read) is not written back, so
      // a read-modify-write never puts both into the spec (admission refuses that).
      const configs = value.configs === undefined ? undefined : { ...value.configs };
      for (const [field, key] of Object.entries(SPEC_FIELD_CONFIGS)) {
        if (configs !== undefined && value[field as keyof typeof SPEC_FIELD_CONFIGS] !== undefined) delete configs[key];
      }
      if (configs !== undefined) spec['configs'] = configs;
      return {
        apiVersion: `${RUNNEL_GROUP}/v1alpha1`,
        kind: 'Topic',
        metadata: {
          name: seen.get(name)?.name ?? topicResourceName(name),
          labels: { ...seen.get(name)?.labels, [CLUSTER_LABEL]: cluster },
          annotations: { ...seen.get(name)?.annotations, [TOPIC_ANNOTATION]: JSON.stringify(assigned) },
          ...(seen.get(name)?.finalizers !== undefined ? { finalizers: seen.get(name)?.finalizers } : {}),
          ...(seen.get(name)?.ownerReferences !== undefined ? { ownerReferences: seen.get(name)?.ownerReferences } : {}),
        },
        spec,
      };
    },
    decode(object) {
      const spec = object.spec ?? {};
      const assigned = object.metadata.annotations?.[TOPIC_ANNOTATION] === undefined ? { topicId: '', assignments: [] } : parseAnnotation(object, TOPIC_ANNOTATION);
      const { topicName, ...declared } = spec;
      const name = typeof topicName === 'string' ? topicName : object.metadata.name;
      const value = withSpecConfigs({ configs: {}, ...assigned, ...declared, name } as unknown as TopicDefinition);
      if (!Number.isInteger(value.partitions) || !Number.isInteger(value.replicationFactor)) {
        throw new MetadataStoreError('INVALID', `Cannot read Topic ${object.metadata.name}: spec.partitions and spec.replicationFactor must be integers`);
      }
      const { labels, annotations, finalizers, ownerReferences } = object.metadata;
      seen.set(name, {
        name: object.metadata.name,
        topicNameAbsent: typeof topicName !== 'string',
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
        ...(finalizers !== undefined ? { finalizers } : {}),
        ...(ownerReferences !== undefined ? { ownerReferences } : {}),
      });
      return { name, resourceVersion: resourceVersionOf(object), value };
    },
  };
}
