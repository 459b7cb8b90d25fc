import { Type, type Static } from '@sinclair/typebox';
import { ConditionSchema } from './condition-schema.ts';
import { AnyObject, StringEnum, StringMap, type CelRule } from './schema-helpers.ts';

/**
 * The `Cluster` resource (runnel.dev/v1alpha1): one Runnel cluster (brokers as a StatefulSet). The
 * single source of truth for its CRD schema, like topic-schema.ts.
 */

/** A Kubernetes resource quantity (`10Gi`, `500m`, `1.5`). */
export const QUANTITY_PATTERN = '^[0-9]+(\\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|Pi|Ei|M|G|T|P|E)?$';

const ResourceListSchema = StringMap(Type.String({ pattern: QUANTITY_PATTERN }), { description: 'Resource name (cpu, memory) to quantity.' });

/** Desired state of a cluster. */
export const ClusterSpecSchema = Type.Object(
  {
    replicas: Type.Integer({ description: 'Number of brokers.', minimum: 1, maximum: 1000 }),
    image: Type.String({ description: 'Broker container image.', minLength: 1 }),
    storage: Type.Object(
      {
        size: Type.String({ description: 'Size of each broker volume (a quantity, e.g. 10Gi). Can grow, never shrink.', pattern: QUANTITY_PATTERN }),
        storageClassName: Type.Optional(Type.String({ description: 'StorageClass of the broker volumes. Immutable.', minLength: 1 })),
      },
      {
        description: 'Persistent volume of each broker.',
        'x-kubernetes-validations': [
          {
            rule: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
            message: 'spec.storage.storageClassName is immutable',
            fieldPath: '.storageClassName',
          },
          { rule: "quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0", message: 'spec.storage.size cannot shrink', fieldPath: '.size' },
        ] satisfies CelRule[],
      },
    ),
    resources: Type.Optional(
      Type.Object(
        { requests: Type.Optional(ResourceListSchema), limits: Type.Optional(ResourceListSchema) },
        { description: 'CPU and memory of each broker container.' },
      ),
    ),
    config: Type.Optional(
      StringMap(Type.String(), { description: 'Broker configuration (key = value), rendered into the broker ConfigMap; a change rolls the brokers one at a time.' }),
    ),
    topicDefaults: Type.Optional(
      Type.Object(
        {
          retentionMs: Type.Optional(Type.Integer({ description: 'retention.ms of topics that do not set it: how long records are kept (-1 = forever).', minimum: -1 })),
          retentionBytes: Type.Optional(Type.Integer({ description: 'retention.bytes of topics that do not set it: the most bytes a partition keeps (-1 = no limit).', minimum: -1 })),
          minInsyncReplicas: Type.Optional(
            Type.Integer({ description: "min.insync.replicas of topics that set neither spec.minInsyncReplicas nor configs['min.insync.replicas']; capped at each topic's replication factor.", minimum: 1, maximum: 64 }),
          ),
          durability: Type.Optional(
            StringEnum(['fsync', 'replicated'] as const, { description: 'durability of topics that do not set it: fsync (acknowledge after the disk) or replicated (after the in-sync replicas have it in memory).' }),
          ),
        },
        { description: "Broker defaults for topic configs (a Topic's own values win). A change restarts the brokers one at a time." },
      ),
    ),
    rackAwareness: Type.Optional(
      Type.Object(
        {
          topologyKey: Type.String({
            description: 'Node label whose value is the rack of the broker running on that node (e.g. topology.kubernetes.io/zone). Replica placement puts each replica of a partition on a different rack when it can.',
            minLength: 1,
            maxLength: 317,
          }),
        },
        { description: 'Rack awareness: where brokers run decides where replicas go.' },
      ),
    ),
    consumerOffsets: Type.Optional(
      Type.Object(
        {
          partitions: Type.Optional(
            Type.Integer({
              description:
                'Partitions of the __consumer_offsets Topic the operator declares for this cluster (default 50, as Kafka). Read only when the operator creates that Topic: the count decides which partition holds a group, so it is never changed afterwards.',
              minimum: 1,
              maximum: 1000,
            }),
          ),
        },
        { description: "The cluster's consumer group topic __consumer_offsets, which the operator declares as the Topic `<cluster>-consumer-offsets` unless a Topic of the cluster already has that name." },
      ),
    ),
    podTemplate: Type.Optional(
      Type.Object(
        {
          annotations: Type.Optional(StringMap(Type.String(), { description: 'Annotations added to every broker pod.' })),
          nodeSelector: Type.Optional(StringMap(Type.String(), { description: 'Node labels a broker pod requires.' })),
          priorityClassName: Type.Optional(Type.String({ description: 'PriorityClass of the broker pods.', minLength: 1 })),
          affinity: Type.Optional(AnyObject('Affinity of the broker pods (core/v1 Affinity).')),
          tolerations: Type.Optional(Type.Array(AnyObject('A core/v1 Toleration.'), { description: 'Tolerations of the broker pods.' })),
        },
        { description: 'Overrides of the broker pod template.' },
      ),
    ),
  },
  { description: 'Desired state of the cluster.' },
);

/** Observed state, written by the operator. */
export const ClusterStatusSchema = Type.Object(
  {
    replicas: Type.Optional(Type.Integer({ description: 'Broker pods that exist.' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Broker pods that are ready.' })),
    readyBrokers: Type.Optional(Type.String({ description: 'Ready brokers over desired brokers, e.g. 3/3 (for kubectl get).' })),
    underReplicatedPartitions: Type.Optional(Type.Integer({ description: 'Partitions of the cluster whose ISR is smaller than their replica list, from the partition Leases.' })),
    offlinePartitions: Type.Optional(Type.Integer({ description: 'Partitions of the cluster without a leader, from the partition Leases.' })),
    brokers: Type.Optional(
      Type.Array(
        Type.Object({
          id: Type.Integer({ description: 'Broker id (the pod ordinal).' }),
          pod: Type.String({ description: 'Pod name.' }),
          ready: Type.Boolean({ description: 'Whether the pod is Ready.' }),
          rack: Type.Optional(Type.String({ description: 'Rack, from the node label named by spec.rackAwareness.topologyKey.' })),
        }),
        { description: 'One entry per broker pod.' },
      ),
    ),
    observedGeneration: Type.Optional(Type.Integer({ description: 'metadata.generation this status describes.' })),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: 'Ready and other conditions.' })),
  },
  { description: 'Observed state of the cluster.' },
);

/** The `spec` of a Cluster. */
export type ClusterSpec = Static<typeof ClusterSpecSchema>;
/** The `status` of a Cluster. */
export type ClusterStatus = Static<typeof ClusterStatusSchema>;
