import { Type, type Static } from '@sinclair/typebox';
import { StringEnum, StringMap, type CelRule } from './schema-helpers.ts';
import { ConditionSchema } from './condition-schema.ts';
import { MAX_TOPIC_NAME_LENGTH } from '../validate-topic-name.ts';

/**
 * The `Topic` resource (runnel.dev/v1alpha1): the one source of truth for its schema. The CRD in
 * deploy/crds is generated from these definitions (`npm run gen:crds -w @runnel/metadata`) and a
 * unit test fails when it drifts; the TypeScript types below are derived from the same objects.
 */

/** Kafka's topic-name rule (validateTopicName), as a schema pattern. */
export const TOPIC_NAME_PATTERN = `^[a-zA-Z0-9._-]{1,${MAX_TOPIC_NAME_LENGTH}}$`;

/** Desired state of a topic, as a user declares it. */
export const TopicSpecSchema = Type.Object(
  {
    topicName: Type.Optional(
      Type.String({
        description: 'Kafka topic name when it differs from metadata.name (uppercase and _ are allowed here, not in object names). Immutable.',
        pattern: TOPIC_NAME_PATTERN,
        maxLength: MAX_TOPIC_NAME_LENGTH,
        'x-kubernetes-validations': [{ rule: "self != '.' && self != '..'", message: "topicName must not be '.' or '..'" }] satisfies CelRule[],
      }),
    ),
    partitions: Type.Integer({ description: 'Number of partitions. Can grow, never shrink.', minimum: 1, maximum: 100_000 }),
    replicationFactor: Type.Integer({ description: 'Replicas of each partition.', minimum: 1, maximum: 64 }),
    configs: Type.Optional(StringMap(Type.String(), { description: 'Kafka-style topic configs (retention.ms, cleanup.policy, ...).' })),
    minInsyncReplicas: Type.Optional(
      Type.Integer({ description: 'acks=all writes need at least this many in-sync replicas. Defaults to the cluster setting.', minimum: 1, maximum: 64 }),
    ),
    deletionPolicy: Type.Optional(
      StringEnum(['Delete', 'Retain'] as const, { description: 'Delete (when absent): deleting the Topic deletes its data. Retain: the data stays.' }),
    ),
    uncleanLeaderElection: Type.Optional(
      Type.Boolean({ description: 'Allow an out-of-sync replica to become leader (may lose acknowledged writes). False when absent.' }),
    ),
  },
  {
    description: 'Desired state of the topic.',
    'x-kubernetes-validations': [
      { rule: 'self.partitions >= oldSelf.partitions', message: 'spec.partitions cannot decrease: partitions can only be added', fieldPath: '.partitions' },
      {
        rule: '!has(self.minInsyncReplicas) || self.minInsyncReplicas <= self.replicationFactor',
        message: 'spec.minInsyncReplicas must not exceed spec.replicationFactor',
        fieldPath: '.minInsyncReplicas',
      },
      {
        rule: "!has(self.minInsyncReplicas) || !has(self.configs) || !('min.insync.replicas' in self.configs)",
        message: "set spec.minInsyncReplicas or spec.configs['min.insync.replicas'], not both",
        fieldPath: '.minInsyncReplicas',
      },
      {
        rule: "!has(self.uncleanLeaderElection) || !has(self.configs) || !('unclean.leader.election.enable' in self.configs)",
        message: "set spec.uncleanLeaderElection or spec.configs['unclean.leader.election.enable'], not both",
        fieldPath: '.uncleanLeaderElection',
      },
      {
        rule: 'has(self.topicName) == has(oldSelf.topicName) && (!has(self.topicName) || self.topicName == oldSelf.topicName)',
        message: 'spec.topicName is immutable',
        fieldPath: '.topicName',
      },
    ] satisfies CelRule[],
  },
);

/** Observed state, written by the operator. */
export const TopicStatusSchema = Type.Object(
  {
    topicId: Type.Optional(Type.String({ description: 'UUID of this topic incarnation.' })),
    partitions: Type.Optional(Type.Integer({ description: 'Partitions that exist (have a partition Lease).' })),
    underReplicatedPartitions: Type.Optional(Type.Integer({ description: 'Partitions whose ISR is smaller than their replica list.' })),
    offlinePartitions: Type.Optional(Type.Integer({ description: 'Partitions without a leader.' })),
    replicationFactor: Type.Optional(Type.Integer({ description: 'Replicas per partition as placed (the smallest replica list).' })),
    leaders: Type.Optional(
      Type.Array(Type.Integer(), { description: 'Leader broker id per partition (-1 without a leader); only for topics of at most 32 partitions.', maxItems: 32 }),
    ),
    observedGeneration: Type.Optional(Type.Integer({ description: 'metadata.generation this status describes.' })),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: 'Ready and other conditions.' })),
  },
  { description: 'Observed state of the topic.' },
);

/** Spec fields that are part of the topic model (everything but `topicName`, which is the model's `name`). */
export const TOPIC_SPEC_FIELDS = ['partitions', 'replicationFactor', 'configs', 'minInsyncReplicas', 'deletionPolicy', 'uncleanLeaderElection'] as const;

// No schema defaults: the API server would add the defaulted fields to every object, and a topic
// written through the store must read back exactly as written (the store contract).

/** The `spec` of a Topic. */
export type TopicSpec = Static<typeof TopicSpecSchema>;
/** The `status` of a Topic. */
export type TopicStatus = Static<typeof TopicStatusSchema>;
