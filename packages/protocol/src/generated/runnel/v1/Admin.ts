// Original file: proto/runnel/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTopicsRequest as _runnel_v1_CreateTopicsRequest, CreateTopicsRequest__Output as _runnel_v1_CreateTopicsRequest__Output } from '../../runnel/v1/CreateTopicsRequest.ts';
import type { CreateTopicsResponse as _runnel_v1_CreateTopicsResponse, CreateTopicsResponse__Output as _runnel_v1_CreateTopicsResponse__Output } from '../../runnel/v1/CreateTopicsResponse.ts';
import type { DeleteRecordsRequest as _runnel_v1_DeleteRecordsRequest, DeleteRecordsRequest__Output as _runnel_v1_DeleteRecordsRequest__Output } from '../../runnel/v1/DeleteRecordsRequest.ts';
import type { DeleteRecordsResponse as _runnel_v1_DeleteRecordsResponse, DeleteRecordsResponse__Output as _runnel_v1_DeleteRecordsResponse__Output } from '../../runnel/v1/DeleteRecordsResponse.ts';
import type { DeleteTopicsRequest as _runnel_v1_DeleteTopicsRequest, DeleteTopicsRequest__Output as _runnel_v1_DeleteTopicsRequest__Output } from '../../runnel/v1/DeleteTopicsRequest.ts';
import type { DeleteTopicsResponse as _runnel_v1_DeleteTopicsResponse, DeleteTopicsResponse__Output as _runnel_v1_DeleteTopicsResponse__Output } from '../../runnel/v1/DeleteTopicsResponse.ts';
import type { DescribeClusterRequest as _runnel_v1_DescribeClusterRequest, DescribeClusterRequest__Output as _runnel_v1_DescribeClusterRequest__Output } from '../../runnel/v1/DescribeClusterRequest.ts';
import type { DescribeClusterResponse as _runnel_v1_DescribeClusterResponse, DescribeClusterResponse__Output as _runnel_v1_DescribeClusterResponse__Output } from '../../runnel/v1/DescribeClusterResponse.ts';
import type { DescribeTopicsRequest as _runnel_v1_DescribeTopicsRequest, DescribeTopicsRequest__Output as _runnel_v1_DescribeTopicsRequest__Output } from '../../runnel/v1/DescribeTopicsRequest.ts';
import type { DescribeTopicsResponse as _runnel_v1_DescribeTopicsResponse, DescribeTopicsResponse__Output as _runnel_v1_DescribeTopicsResponse__Output } from '../../runnel/v1/DescribeTopicsResponse.ts';
import type { PostRestartCheckRequest as _runnel_v1_PostRestartCheckRequest, PostRestartCheckRequest__Output as _runnel_v1_PostRestartCheckRequest__Output } from '../../runnel/v1/PostRestartCheckRequest.ts';
import type { PostRestartCheckResponse as _runnel_v1_PostRestartCheckResponse, PostRestartCheckResponse__Output as _runnel_v1_PostRestartCheckResponse__Output } from '../../runnel/v1/PostRestartCheckResponse.ts';
import type { PreRestartCheckRequest as _runnel_v1_PreRestartCheckRequest, PreRestartCheckRequest__Output as _runnel_v1_PreRestartCheckRequest__Output } from '../../runnel/v1/PreRestartCheckRequest.ts';
import type { PreRestartCheckResponse as _runnel_v1_PreRestartCheckResponse, PreRestartCheckResponse__Output as _runnel_v1_PreRestartCheckResponse__Output } from '../../runnel/v1/PreRestartCheckResponse.ts';

export interface AdminClient extends grpc.Client {
  CreateTopics(argument: _runnel_v1_CreateTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  CreateTopics(argument: _runnel_v1_CreateTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  CreateTopics(argument: _runnel_v1_CreateTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  CreateTopics(argument: _runnel_v1_CreateTopicsRequest, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  createTopics(argument: _runnel_v1_CreateTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  createTopics(argument: _runnel_v1_CreateTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  createTopics(argument: _runnel_v1_CreateTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  createTopics(argument: _runnel_v1_CreateTopicsRequest, callback: grpc.requestCallback<_runnel_v1_CreateTopicsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Deletes the records of partitions below an offset (Kafka's DeleteRecords, KIP-107): the
   * partition's leader moves its log start offset there, never past its high watermark. Send each
   * partition to its leader (NOT_LEADER otherwise). Allowed on Kubernetes too: it changes data,
   * not a topic's definition.
   */
  DeleteRecords(argument: _runnel_v1_DeleteRecordsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  DeleteRecords(argument: _runnel_v1_DeleteRecordsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  DeleteRecords(argument: _runnel_v1_DeleteRecordsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  DeleteRecords(argument: _runnel_v1_DeleteRecordsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes the records of partitions below an offset (Kafka's DeleteRecords, KIP-107): the
   * partition's leader moves its log start offset there, never past its high watermark. Send each
   * partition to its leader (NOT_LEADER otherwise). Allowed on Kubernetes too: it changes data,
   * not a topic's definition.
   */
  deleteRecords(argument: _runnel_v1_DeleteRecordsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  deleteRecords(argument: _runnel_v1_DeleteRecordsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  deleteRecords(argument: _runnel_v1_DeleteRecordsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  deleteRecords(argument: _runnel_v1_DeleteRecordsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteRecordsResponse__Output>): grpc.ClientUnaryCall;
  
  DeleteTopics(argument: _runnel_v1_DeleteTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopics(argument: _runnel_v1_DeleteTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopics(argument: _runnel_v1_DeleteTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  DeleteTopics(argument: _runnel_v1_DeleteTopicsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  deleteTopics(argument: _runnel_v1_DeleteTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  deleteTopics(argument: _runnel_v1_DeleteTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  deleteTopics(argument: _runnel_v1_DeleteTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  deleteTopics(argument: _runnel_v1_DeleteTopicsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteTopicsResponse__Output>): grpc.ClientUnaryCall;
  
  DescribeCluster(argument: _runnel_v1_DescribeClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  DescribeCluster(argument: _runnel_v1_DescribeClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  DescribeCluster(argument: _runnel_v1_DescribeClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  DescribeCluster(argument: _runnel_v1_DescribeClusterRequest, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  describeCluster(argument: _runnel_v1_DescribeClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  describeCluster(argument: _runnel_v1_DescribeClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  describeCluster(argument: _runnel_v1_DescribeClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  describeCluster(argument: _runnel_v1_DescribeClusterRequest, callback: grpc.requestCallback<_runnel_v1_DescribeClusterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Configs and per-partition log state (sizes, offsets) of the partitions this broker hosts.
   */
  DescribeTopics(argument: _runnel_v1_DescribeTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  DescribeTopics(argument: _runnel_v1_DescribeTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  DescribeTopics(argument: _runnel_v1_DescribeTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  DescribeTopics(argument: _runnel_v1_DescribeTopicsRequest, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Configs and per-partition log state (sizes, offsets) of the partitions this broker hosts.
   */
  describeTopics(argument: _runnel_v1_DescribeTopicsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  describeTopics(argument: _runnel_v1_DescribeTopicsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  describeTopics(argument: _runnel_v1_DescribeTopicsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  describeTopics(argument: _runnel_v1_DescribeTopicsRequest, callback: grpc.requestCallback<_runnel_v1_DescribeTopicsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Whether this broker, after a restart, is back in the ISR (with its current broker epoch) of
   * every partition it replicates.
   */
  PostRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PostRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PostRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PostRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Whether this broker, after a restart, is back in the ISR (with its current broker epoch) of
   * every partition it replicates.
   */
  postRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  postRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  postRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  postRestartCheck(argument: _runnel_v1_PostRestartCheckRequest, callback: grpc.requestCallback<_runnel_v1_PostRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Whether this broker can stop now: no partition it is in the ISR of would drop below its
   * min.insync.replicas or lose its last in-sync replica. Read from the partition states the
   * broker follows; the operator asks it before restarting the broker.
   */
  PreRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PreRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PreRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  PreRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Whether this broker can stop now: no partition it is in the ISR of would drop below its
   * min.insync.replicas or lose its last in-sync replica. Read from the partition states the
   * broker follows; the operator asks it before restarting the broker.
   */
  preRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  preRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  preRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  preRestartCheck(argument: _runnel_v1_PreRestartCheckRequest, callback: grpc.requestCallback<_runnel_v1_PreRestartCheckResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  CreateTopics: grpc.handleUnaryCall<_runnel_v1_CreateTopicsRequest__Output, _runnel_v1_CreateTopicsResponse>;
  
  /**
   * Deletes the records of partitions below an offset (Kafka's DeleteRecords, KIP-107): the
   * partition's leader moves its log start offset there, never past its high watermark. Send each
   * partition to its leader (NOT_LEADER otherwise). Allowed on Kubernetes too: it changes data,
   * not a topic's definition.
   */
  DeleteRecords: grpc.handleUnaryCall<_runnel_v1_DeleteRecordsRequest__Output, _runnel_v1_DeleteRecordsResponse>;
  
  DeleteTopics: grpc.handleUnaryCall<_runnel_v1_DeleteTopicsRequest__Output, _runnel_v1_DeleteTopicsResponse>;
  
  DescribeCluster: grpc.handleUnaryCall<_runnel_v1_DescribeClusterRequest__Output, _runnel_v1_DescribeClusterResponse>;
  
  /**
   * Configs and per-partition log state (sizes, offsets) of the partitions this broker hosts.
   */
  DescribeTopics: grpc.handleUnaryCall<_runnel_v1_DescribeTopicsRequest__Output, _runnel_v1_DescribeTopicsResponse>;
  
  /**
   * Whether this broker, after a restart, is back in the ISR (with its current broker epoch) of
   * every partition it replicates.
   */
  PostRestartCheck: grpc.handleUnaryCall<_runnel_v1_PostRestartCheckRequest__Output, _runnel_v1_PostRestartCheckResponse>;
  
  /**
   * Whether this broker can stop now: no partition it is in the ISR of would drop below its
   * min.insync.replicas or lose its last in-sync replica. Read from the partition states the
   * broker follows; the operator asks it before restarting the broker.
   */
  PreRestartCheck: grpc.handleUnaryCall<_runnel_v1_PreRestartCheckRequest__Output, _runnel_v1_PreRestartCheckResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  CreateTopics: MethodDefinition<_runnel_v1_CreateTopicsRequest, _runnel_v1_CreateTopicsResponse, _runnel_v1_CreateTopicsRequest__Output, _runnel_v1_CreateTopicsResponse__Output>
  DeleteRecords: MethodDefinition<_runnel_v1_DeleteRecordsRequest, _runnel_v1_DeleteRecordsResponse, _runnel_v1_DeleteRecordsRequest__Output, _runnel_v1_DeleteRecordsResponse__Output>
  DeleteTopics: MethodDefinition<_runnel_v1_DeleteTopicsRequest, _runnel_v1_DeleteTopicsResponse, _runnel_v1_DeleteTopicsRequest__Output, _runnel_v1_DeleteTopicsResponse__Output>
  DescribeCluster: MethodDefinition<_runnel_v1_DescribeClusterRequest, _runnel_v1_DescribeClusterResponse, _runnel_v1_DescribeClusterRequest__Output, _runnel_v1_DescribeClusterResponse__Output>
  DescribeTopics: MethodDefinition<_runnel_v1_DescribeTopicsRequest, _runnel_v1_DescribeTopicsResponse, _runnel_v1_DescribeTopicsRequest__Output, _runnel_v1_DescribeTopicsResponse__Output>
  PostRestartCheck: MethodDefinition<_runnel_v1_PostRestartCheckRequest, _runnel_v1_PostRestartCheckResponse, _runnel_v1_PostRestartCheckRequest__Output, _runnel_v1_PostRestartCheckResponse__Output>
  PreRestartCheck: MethodDefinition<_runnel_v1_PreRestartCheckRequest, _runnel_v1_PreRestartCheckResponse, _runnel_v1_PreRestartCheckRequest__Output, _runnel_v1_PreRestartCheckResponse__Output>
}
