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
  electFirstLeader,
  liveBrokerEpochs,
  withSpecConfigs,
  SPEC_FIELD_CONFIGS,
} from './topic-model.ts';
export { validateTopicName, MAX_TOPIC_NAME_LENGTH } from './validate-topic-name.ts';
export { OFFSETS_TOPIC, DEFAULT_OFFSETS_TOPIC_PARTITIONS } from './internal-topics.ts';
export { assignReplicas, type AssignReplicasOptions } from './assign-replicas.ts';
export { provisionPartitions, type ProvisionPartitionsOptions, type ProvisionPartitionsResult } from './provision-partitions.ts';
export { settleUncertainWrite, type SettledWrite } from './settle-uncertain-write.ts';
export { requestReassignment, type RequestReassignmentOptions, type RequestReassignmentResult } from './request-reassignment.ts';
// The Kubernetes implementation (DESIGN.md §6 "Objects"): Leases for brokers and partitions, Topic resources.
// Loaded lazily: importing @runnel/metadata does not load @kubernetes/client-node.
export type { KubernetesMetadataStore, KubernetesMetadataStoreOptions } from './kubernetes/kubernetes-metadata-store.ts';
export { openKubernetesMetadataStore } from './kubernetes/open-kubernetes-metadata-store.ts';
export type { RequestInterceptor } from './kubernetes/kube-resource-client.ts';
export type { TokenBucketOptions } from './kubernetes/token-bucket.ts';
export {
  STORE_WRITE_CHANNEL,
  STORE_WATCH_CHANNEL,
  type StoreWriteEvent,
  type StoreWatchEvent,
  type StoreStats,
} from './store-diagnostics.ts';
export {
  RUNNEL_GROUP,
  CLUSTER_LABEL,
  LEASE_KIND_LABEL,
  replicaLabel,
  brokerLeaseName,
  partitionLeaseName,
  topicResourceName,
  dnsSafeTopicName,
  validateClusterName,
  BROKER_ID_LABEL,
  TOPIC_ANNOTATION,
  PARTITION_ANNOTATION,
} from './kubernetes/kube-names.ts';
export { BROKER_RBAC_RULES, type PolicyRule } from './kubernetes/rbac-rules.ts';
export { decodePartitionLease } from './kubernetes/lease-codecs.ts';
export type { KubeObject } from './kubernetes/kube-object.ts';
// Custom resources: schemas (the one source of truth), rendered CRDs, and installing them.
export { TopicSpecSchema, TopicStatusSchema, type TopicSpec, type TopicStatus } from './crds/topic-schema.ts';
export { ClusterSpecSchema, ClusterStatusSchema, type ClusterSpec, type ClusterStatus } from './crds/cluster-schema.ts';
export type { Condition } from './crds/condition-schema.ts';
export { renderCrds, type RenderedCrd } from './crds/render-crds.ts';
export { applyCrds } from './crds/apply-crds.ts';
export { referenceFields, renderConfigReference, type ReferenceField } from './crds/config-reference.ts';
