// Public entry of @runnel/broker: the broker's data plane and the embedded local cluster.
export { startBroker } from './start-broker.ts';
export { TOPIC_DEFAULT_KEYS, validateTopicDefaults } from './topic-settings.ts';
export type { Broker, BrokerOptions } from './broker-options.ts';
export { LOCAL_METADATA_HISTORY_MAX_AGE_MS, startLocalCluster, type LocalCluster, type LocalClusterOptions } from './local-cluster.ts';
export {
  MAX_RECEIVE_MESSAGE_BYTES,
  MAX_SEND_MESSAGE_BYTES,
  MAX_FETCH_RESPONSE_BYTES,
  DEFAULT_FETCH_MAX_BYTES,
  DEFAULT_PARTITION_FETCH_MAX_BYTES,
  RECEIVE_WINDOW_BYTES,
} from './grpc-limits.ts';
// Replication seams (DESIGN.md §6): time, the broker-to-broker transport, timings and the node API.
export { systemClock, type Clock } from './replication/clock.ts';
export {
  DEFAULT_REPLICATION_TIMING,
  FAST_REPLICATION_TIMING,
  validateReplicationTiming,
  type ReplicationTiming,
} from './replication/replication-timing.ts';
export type {
  ReplicaTransport,
  ReplicaService,
  ReplicaFetchRequest,
  ReplicaFetchResponse,
  ReplicaFetchPartitionRequest,
  ReplicaFetchPartitionResponse,
  EpochEndOffset,
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
  HandoverRequest,
  HandoverResponse,
} from './replication/replica-transport.ts';
export type {
  ReplicationNode,
  ReplicationNodeOptions,
  ReplicationObserver,
  ReplicationLogger,
  NodeProduceRequest,
  NodeProduceResult,
  NodeFetchRequest,
  NodeFetchResult,
  NodeReplicaStatus,
} from './replication/replication-node-api.ts';
export type { PartitionDirectory } from './replication/partition-directory.ts';
export { deleteRecords, DELETE_TO_HIGH_WATERMARK } from './delete-records.ts';
export { createReplicationNode } from './replication/replication-node.ts';
export { InProcessReplicaNetwork } from './replication/in-process-replica-transport.ts';
export { ProducerIdAllocator } from './replication/producer-id-allocator.ts';
