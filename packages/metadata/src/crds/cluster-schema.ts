import { Type, type Static } from '@sinclair/typebox';
import { ConditionSchema } from './condition-schema.ts';
import { StringMap, type CelRule } from './schema-helpers.ts';

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
    config: Type.Optional(StringMap(Type.String(), { description: 'Broker configuration (key = value), rendered into the broker ConfigMap.' })),
  },
  { description: 'Desired state of the cluster.' },
);

/** Observed state, written by the operator. */
export const ClusterStatusSchema = Type.Object(
  {
    replicas: Type.Optional(Type.Integer({ description: 'Broker pods that exist.' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Broker pods that are ready.' })),
    observedGeneration: Type.Optional(Type.Integer({ description: 'metadata.generation this status describes.' })),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: 'Ready and other conditions.' })),
  },
  { description: 'Observed state of the cluster.' },
);

/** The `spec` of a Cluster. */
export type ClusterSpec = Static<typeof ClusterSpecSchema>;
/** The `status` of a Cluster. */
export type ClusterStatus = Static<typeof ClusterStatusSchema>;
