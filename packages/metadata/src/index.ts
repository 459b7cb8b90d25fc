// Public entry of @runnel/metadata: the cluster model and the MetadataStore seam (DESIGN.md §6).
export type { MetadataStore, ObjectCollection, Versioned, WatchEvent, WatchOptions } from './metadata-store.ts';
export { MemoryMetadataStore, type MemoryMetadataStoreOptions } from './memory-metadata-store.ts';
export { MetadataStoreError, isMetadataStoreError, type MetadataStoreErrorCode } from './errors.ts';
export {
  type TopicDefinition,
  type PartitionState,
  type ReplicaIdentity,
  type BrokerRegistration,
  partitionStateName,
  brokerRegistrationName,
  initialPartitionState,
} from './topic-model.ts';
export { validateTopicName, MAX_TOPIC_NAME_LENGTH } from './validate-topic-name.ts';
export { assignReplicas, type AssignReplicasOptions } from './assign-replicas.ts';
