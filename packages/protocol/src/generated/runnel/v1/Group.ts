// Original file: proto/runnel/v1/group.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeleteGroupsRequest as _runnel_v1_DeleteGroupsRequest, DeleteGroupsRequest__Output as _runnel_v1_DeleteGroupsRequest__Output } from '../../runnel/v1/DeleteGroupsRequest.ts';
import type { DeleteGroupsResponse as _runnel_v1_DeleteGroupsResponse, DeleteGroupsResponse__Output as _runnel_v1_DeleteGroupsResponse__Output } from '../../runnel/v1/DeleteGroupsResponse.ts';
import type { DescribeGroupsRequest as _runnel_v1_DescribeGroupsRequest, DescribeGroupsRequest__Output as _runnel_v1_DescribeGroupsRequest__Output } from '../../runnel/v1/DescribeGroupsRequest.ts';
import type { DescribeGroupsResponse as _runnel_v1_DescribeGroupsResponse, DescribeGroupsResponse__Output as _runnel_v1_DescribeGroupsResponse__Output } from '../../runnel/v1/DescribeGroupsResponse.ts';
import type { FindCoordinatorRequest as _runnel_v1_FindCoordinatorRequest, FindCoordinatorRequest__Output as _runnel_v1_FindCoordinatorRequest__Output } from '../../runnel/v1/FindCoordinatorRequest.ts';
import type { FindCoordinatorResponse as _runnel_v1_FindCoordinatorResponse, FindCoordinatorResponse__Output as _runnel_v1_FindCoordinatorResponse__Output } from '../../runnel/v1/FindCoordinatorResponse.ts';
import type { HeartbeatRequest as _runnel_v1_HeartbeatRequest, HeartbeatRequest__Output as _runnel_v1_HeartbeatRequest__Output } from '../../runnel/v1/HeartbeatRequest.ts';
import type { HeartbeatResponse as _runnel_v1_HeartbeatResponse, HeartbeatResponse__Output as _runnel_v1_HeartbeatResponse__Output } from '../../runnel/v1/HeartbeatResponse.ts';
import type { ListGroupsRequest as _runnel_v1_ListGroupsRequest, ListGroupsRequest__Output as _runnel_v1_ListGroupsRequest__Output } from '../../runnel/v1/ListGroupsRequest.ts';
import type { ListGroupsResponse as _runnel_v1_ListGroupsResponse, ListGroupsResponse__Output as _runnel_v1_ListGroupsResponse__Output } from '../../runnel/v1/ListGroupsResponse.ts';
import type { OffsetCommitRequest as _runnel_v1_OffsetCommitRequest, OffsetCommitRequest__Output as _runnel_v1_OffsetCommitRequest__Output } from '../../runnel/v1/OffsetCommitRequest.ts';
import type { OffsetCommitResponse as _runnel_v1_OffsetCommitResponse, OffsetCommitResponse__Output as _runnel_v1_OffsetCommitResponse__Output } from '../../runnel/v1/OffsetCommitResponse.ts';
import type { OffsetFetchRequest as _runnel_v1_OffsetFetchRequest, OffsetFetchRequest__Output as _runnel_v1_OffsetFetchRequest__Output } from '../../runnel/v1/OffsetFetchRequest.ts';
import type { OffsetFetchResponse as _runnel_v1_OffsetFetchResponse, OffsetFetchResponse__Output as _runnel_v1_OffsetFetchResponse__Output } from '../../runnel/v1/OffsetFetchResponse.ts';
import type { ResetOffsetsRequest as _runnel_v1_ResetOffsetsRequest, ResetOffsetsRequest__Output as _runnel_v1_ResetOffsetsRequest__Output } from '../../runnel/v1/ResetOffsetsRequest.ts';
import type { ResetOffsetsResponse as _runnel_v1_ResetOffsetsResponse, ResetOffsetsResponse__Output as _runnel_v1_ResetOffsetsResponse__Output } from '../../runnel/v1/ResetOffsetsResponse.ts';

export interface GroupClient extends grpc.Client {
  /**
   * Deletes groups with no members, with their committed offsets.
   */
  DeleteGroups(argument: _runnel_v1_DeleteGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  DeleteGroups(argument: _runnel_v1_DeleteGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  DeleteGroups(argument: _runnel_v1_DeleteGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  DeleteGroups(argument: _runnel_v1_DeleteGroupsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes groups with no members, with their committed offsets.
   */
  deleteGroups(argument: _runnel_v1_DeleteGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  deleteGroups(argument: _runnel_v1_DeleteGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  deleteGroups(argument: _runnel_v1_DeleteGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  deleteGroups(argument: _runnel_v1_DeleteGroupsRequest, callback: grpc.requestCallback<_runnel_v1_DeleteGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Members, assignments, epochs and state, and per partition the committed offset and lag.
   */
  DescribeGroups(argument: _runnel_v1_DescribeGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  DescribeGroups(argument: _runnel_v1_DescribeGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  DescribeGroups(argument: _runnel_v1_DescribeGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  DescribeGroups(argument: _runnel_v1_DescribeGroupsRequest, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Members, assignments, epochs and state, and per partition the committed offset and lag.
   */
  describeGroups(argument: _runnel_v1_DescribeGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  describeGroups(argument: _runnel_v1_DescribeGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  describeGroups(argument: _runnel_v1_DescribeGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  describeGroups(argument: _runnel_v1_DescribeGroupsRequest, callback: grpc.requestCallback<_runnel_v1_DescribeGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The broker that coordinates a group now (any broker answers).
   */
  FindCoordinator(argument: _runnel_v1_FindCoordinatorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  FindCoordinator(argument: _runnel_v1_FindCoordinatorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  FindCoordinator(argument: _runnel_v1_FindCoordinatorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  FindCoordinator(argument: _runnel_v1_FindCoordinatorRequest, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The broker that coordinates a group now (any broker answers).
   */
  findCoordinator(argument: _runnel_v1_FindCoordinatorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  findCoordinator(argument: _runnel_v1_FindCoordinatorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  findCoordinator(argument: _runnel_v1_FindCoordinatorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  findCoordinator(argument: _runnel_v1_FindCoordinatorRequest, callback: grpc.requestCallback<_runnel_v1_FindCoordinatorResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * KIP-848 ConsumerGroupHeartbeat: join (epoch 0), stay (current epoch), leave (-1), leave for
   * a while as a static member (-2). Answered once the resulting state is committed.
   */
  Heartbeat(argument: _runnel_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _runnel_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _runnel_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _runnel_v1_HeartbeatRequest, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * KIP-848 ConsumerGroupHeartbeat: join (epoch 0), stay (current epoch), leave (-1), leave for
   * a while as a static member (-2). Answered once the resulting state is committed.
   */
  heartbeat(argument: _runnel_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _runnel_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _runnel_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _runnel_v1_HeartbeatRequest, callback: grpc.requestCallback<_runnel_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Groups of the coordinators this broker is, or of every broker when `all_brokers`.
   */
  ListGroups(argument: _runnel_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _runnel_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _runnel_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  ListGroups(argument: _runnel_v1_ListGroupsRequest, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Groups of the coordinators this broker is, or of every broker when `all_brokers`.
   */
  listGroups(argument: _runnel_v1_ListGroupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _runnel_v1_ListGroupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _runnel_v1_ListGroupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  listGroups(argument: _runnel_v1_ListGroupsRequest, callback: grpc.requestCallback<_runnel_v1_ListGroupsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Commits offsets, each fenced as KIP-1251 says: assignmentEpoch(p) <= member_epoch <= the
   * member's current epoch. Answered once committed (acks=all, past the high watermark).
   */
  OffsetCommit(argument: _runnel_v1_OffsetCommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  OffsetCommit(argument: _runnel_v1_OffsetCommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  OffsetCommit(argument: _runnel_v1_OffsetCommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  OffsetCommit(argument: _runnel_v1_OffsetCommitRequest, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Commits offsets, each fenced as KIP-1251 says: assignmentEpoch(p) <= member_epoch <= the
   * member's current epoch. Answered once committed (acks=all, past the high watermark).
   */
  offsetCommit(argument: _runnel_v1_OffsetCommitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  offsetCommit(argument: _runnel_v1_OffsetCommitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  offsetCommit(argument: _runnel_v1_OffsetCommitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  offsetCommit(argument: _runnel_v1_OffsetCommitRequest, callback: grpc.requestCallback<_runnel_v1_OffsetCommitResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Committed offsets of a group (committed state only).
   */
  OffsetFetch(argument: _runnel_v1_OffsetFetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  OffsetFetch(argument: _runnel_v1_OffsetFetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  OffsetFetch(argument: _runnel_v1_OffsetFetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  OffsetFetch(argument: _runnel_v1_OffsetFetchRequest, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Committed offsets of a group (committed state only).
   */
  offsetFetch(argument: _runnel_v1_OffsetFetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  offsetFetch(argument: _runnel_v1_OffsetFetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  offsetFetch(argument: _runnel_v1_OffsetFetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  offsetFetch(argument: _runnel_v1_OffsetFetchRequest, callback: grpc.requestCallback<_runnel_v1_OffsetFetchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Moves a group's committed offsets; only while the group has no members.
   */
  ResetOffsets(argument: _runnel_v1_ResetOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ResetOffsets(argument: _runnel_v1_ResetOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ResetOffsets(argument: _runnel_v1_ResetOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ResetOffsets(argument: _runnel_v1_ResetOffsetsRequest, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Moves a group's committed offsets; only while the group has no members.
   */
  resetOffsets(argument: _runnel_v1_ResetOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  resetOffsets(argument: _runnel_v1_ResetOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  resetOffsets(argument: _runnel_v1_ResetOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  resetOffsets(argument: _runnel_v1_ResetOffsetsRequest, callback: grpc.requestCallback<_runnel_v1_ResetOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface GroupHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Deletes groups with no members, with their committed offsets.
   */
  DeleteGroups: grpc.handleUnaryCall<_runnel_v1_DeleteGroupsRequest__Output, _runnel_v1_DeleteGroupsResponse>;
  
  /**
   * Members, assignments, epochs and state, and per partition the committed offset and lag.
   */
  DescribeGroups: grpc.handleUnaryCall<_runnel_v1_DescribeGroupsRequest__Output, _runnel_v1_DescribeGroupsResponse>;
  
  /**
   * The broker that coordinates a group now (any broker answers).
   */
  FindCoordinator: grpc.handleUnaryCall<_runnel_v1_FindCoordinatorRequest__Output, _runnel_v1_FindCoordinatorResponse>;
  
  /**
   * KIP-848 ConsumerGroupHeartbeat: join (epoch 0), stay (current epoch), leave (-1), leave for
   * a while as a static member (-2). Answered once the resulting state is committed.
   */
  Heartbeat: grpc.handleUnaryCall<_runnel_v1_HeartbeatRequest__Output, _runnel_v1_HeartbeatResponse>;
  
  /**
   * Groups of the coordinators this broker is, or of every broker when `all_brokers`.
   */
  ListGroups: grpc.handleUnaryCall<_runnel_v1_ListGroupsRequest__Output, _runnel_v1_ListGroupsResponse>;
  
  /**
   * Commits offsets, each fenced as KIP-1251 says: assignmentEpoch(p) <= member_epoch <= the
   * member's current epoch. Answered once committed (acks=all, past the high watermark).
   */
  OffsetCommit: grpc.handleUnaryCall<_runnel_v1_OffsetCommitRequest__Output, _runnel_v1_OffsetCommitResponse>;
  
  /**
   * Committed offsets of a group (committed state only).
   */
  OffsetFetch: grpc.handleUnaryCall<_runnel_v1_OffsetFetchRequest__Output, _runnel_v1_OffsetFetchResponse>;
  
  /**
   * Moves a group's committed offsets; only while the group has no members.
   */
  ResetOffsets: grpc.handleUnaryCall<_runnel_v1_ResetOffsetsRequest__Output, _runnel_v1_ResetOffsetsResponse>;
  
}

export interface GroupDefinition extends grpc.ServiceDefinition {
  DeleteGroups: MethodDefinition<_runnel_v1_DeleteGroupsRequest, _runnel_v1_DeleteGroupsResponse, _runnel_v1_DeleteGroupsRequest__Output, _runnel_v1_DeleteGroupsResponse__Output>
  DescribeGroups: MethodDefinition<_runnel_v1_DescribeGroupsRequest, _runnel_v1_DescribeGroupsResponse, _runnel_v1_DescribeGroupsRequest__Output, _runnel_v1_DescribeGroupsResponse__Output>
  FindCoordinator: MethodDefinition<_runnel_v1_FindCoordinatorRequest, _runnel_v1_FindCoordinatorResponse, _runnel_v1_FindCoordinatorRequest__Output, _runnel_v1_FindCoordinatorResponse__Output>
  Heartbeat: MethodDefinition<_runnel_v1_HeartbeatRequest, _runnel_v1_HeartbeatResponse, _runnel_v1_HeartbeatRequest__Output, _runnel_v1_HeartbeatResponse__Output>
  ListGroups: MethodDefinition<_runnel_v1_ListGroupsRequest, _runnel_v1_ListGroupsResponse, _runnel_v1_ListGroupsRequest__Output, _runnel_v1_ListGroupsResponse__Output>
  OffsetCommit: MethodDefinition<_runnel_v1_OffsetCommitRequest, _runnel_v1_OffsetCommitResponse, _runnel_v1_OffsetCommitRequest__Output, _runnel_v1_OffsetCommitResponse__Output>
  OffsetFetch: MethodDefinition<_runnel_v1_OffsetFetchRequest, _runnel_v1_OffsetFetchResponse, _runnel_v1_OffsetFetchRequest__Output, _runnel_v1_OffsetFetchResponse__Output>
  ResetOffsets: MethodDefinition<_runnel_v1_ResetOffsetsRequest, _runnel_v1_ResetOffsetsResponse, _runnel_v1_ResetOffsetsRequest__Output, _runnel_v1_ResetOffsetsResponse__Output>
}
