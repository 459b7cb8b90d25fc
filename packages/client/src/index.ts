/**
 * @runnel/client: producer, consumer and admin for Runnel over gRPC.
 *
 * - {@link Producer}: batching (lingerMs, batchSize), Kafka-compatible keyed partitioning, acks,
 *   bounded buffer memory, pipelined produce streams, retries with full-jitter back-off.
 * - {@link Consumer}: assign/seek, `for await` over records or batches, bounded prefetch,
 *   leader-change following, autoOffsetReset, a `status()` stream of lifecycle events.
 * - {@link Admin}: create, delete, list and describe topics; describe the cluster.
 *
 * Errors are RunnelError from @runnel/protocol: decide on `code` and `retriable`, never on text.
 */
export { Producer, type ProducerMessage, type SendOptions } from './producer.ts';
export type { ProducerOptions, ResolvedProducerOptions } from './producer-options.ts';
export type { RecordMetadata } from './producer-batch.ts';
export { Consumer, type ConsumerBatch, type ConsumerRecord, type ConsumerStatus, type SeekTarget, type TopicPartition } from './consumer.ts';
export type { ConsumerOptions, ResolvedConsumerOptions } from './consumer-options.ts';
export type { SubscribeOptions } from './group-membership.ts';
export type { GroupDescription, GroupListing, GroupMemberInfo, GroupPartitionLag, OffsetResetResult, ResetTarget } from './group-admin.ts';
export { Admin, type AdminOptions, type ClusterDescription, type NewTopic, type PartitionDescription, type TopicDescription } from './admin.ts';
export type { PartitionInfo, TopicInfo } from './cluster-metadata.ts';
export { parseBootstrap } from './cluster-metadata.ts';
export { murmur2, toPositive } from './murmur2.ts';
export { DefaultPartitioner } from './partitioner.ts';
export { retry, fullJitterDelay, type RetryOptions } from './retry.ts';
export { RunnelError, type ErrorCode } from '@runnel/protocol';
