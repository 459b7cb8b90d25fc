import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CommittedOffset as _runnel_v1_CommittedOffset, CommittedOffset__Output as _runnel_v1_CommittedOffset__Output } from './runnel/v1/CommittedOffset.ts';
import type { DeleteGroupResult as _runnel_v1_DeleteGroupResult, DeleteGroupResult__Output as _runnel_v1_DeleteGroupResult__Output } from './runnel/v1/DeleteGroupResult.ts';
import type { DeleteGroupsRequest as _runnel_v1_DeleteGroupsRequest, DeleteGroupsRequest__Output as _runnel_v1_DeleteGroupsRequest__Output } from './runnel/v1/DeleteGroupsRequest.ts';
import type { DeleteGroupsResponse as _runnel_v1_DeleteGroupsResponse, DeleteGroupsResponse__Output as _runnel_v1_DeleteGroupsResponse__Output } from './runnel/v1/DeleteGroupsResponse.ts';
import type { DescribeGroupsRequest as _runnel_v1_DescribeGroupsRequest, DescribeGroupsRequest__Output as _runnel_v1_DescribeGroupsRequest__Output } from './runnel/v1/DescribeGroupsRequest.ts';
import type { DescribeGroupsResponse as _runnel_v1_DescribeGroupsResponse, DescribeGroupsResponse__Output as _runnel_v1_DescribeGroupsResponse__Output } from './runnel/v1/DescribeGroupsResponse.ts';
import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from './runnel/v1/Error.ts';
import type { FindCoordinatorRequest as _runnel_v1_FindCoordinatorRequest, FindCoordinatorRequest__Output as _runnel_v1_FindCoordinatorRequest__Output } from './runnel/v1/FindCoordinatorRequest.ts';
import type { FindCoordinatorResponse as _runnel_v1_FindCoordinatorResponse, FindCoordinatorResponse__Output as _runnel_v1_FindCoordinatorResponse__Output } from './runnel/v1/FindCoordinatorResponse.ts';
import type { GroupClient as _runnel_v1_GroupClient, GroupDefinition as _runnel_v1_GroupDefinition } from './runnel/v1/Group.ts';
import type { GroupDescription as _runnel_v1_GroupDescription, GroupDescription__Output as _runnel_v1_GroupDescription__Output } from './runnel/v1/GroupDescription.ts';
import type { GroupMemberDescription as _runnel_v1_GroupMemberDescription, GroupMemberDescription__Output as _runnel_v1_GroupMemberDescription__Output } from './runnel/v1/GroupMemberDescription.ts';
import type { GroupPartitionOffset as _runnel_v1_GroupPartitionOffset, GroupPartitionOffset__Output as _runnel_v1_GroupPartitionOffset__Output } from './runnel/v1/GroupPartitionOffset.ts';
import type { HeartbeatRequest as _runnel_v1_HeartbeatRequest, HeartbeatRequest__Output as _runnel_v1_HeartbeatRequest__Output } from './runnel/v1/HeartbeatRequest.ts';
import type { HeartbeatResponse as _runnel_v1_HeartbeatResponse, HeartbeatResponse__Output as _runnel_v1_HeartbeatResponse__Output } from './runnel/v1/HeartbeatResponse.ts';
import type { ListGroupsRequest as _runnel_v1_ListGroupsRequest, ListGroupsRequest__Output as _runnel_v1_ListGroupsRequest__Output } from './runnel/v1/ListGroupsRequest.ts';
import type { ListGroupsResponse as _runnel_v1_ListGroupsResponse, ListGroupsResponse__Output as _runnel_v1_ListGroupsResponse__Output } from './runnel/v1/ListGroupsResponse.ts';
import type { ListedGroup as _runnel_v1_ListedGroup, ListedGroup__Output as _runnel_v1_ListedGroup__Output } from './runnel/v1/ListedGroup.ts';
import type { OffsetCommitPartition as _runnel_v1_OffsetCommitPartition, OffsetCommitPartition__Output as _runnel_v1_OffsetCommitPartition__Output } from './runnel/v1/OffsetCommitPartition.ts';
import type { OffsetCommitPartitionResponse as _runnel_v1_OffsetCommitPartitionResponse, OffsetCommitPartitionResponse__Output as _runnel_v1_OffsetCommitPartitionResponse__Output } from './runnel/v1/OffsetCommitPartitionResponse.ts';
import type { OffsetCommitRequest as _runnel_v1_OffsetCommitRequest, OffsetCommitRequest__Output as _runnel_v1_OffsetCommitRequest__Output } from './runnel/v1/OffsetCommitRequest.ts';
import type { OffsetCommitResponse as _runnel_v1_OffsetCommitResponse, OffsetCommitResponse__Output as _runnel_v1_OffsetCommitResponse__Output } from './runnel/v1/OffsetCommitResponse.ts';
import type { OffsetFetchRequest as _runnel_v1_OffsetFetchRequest, OffsetFetchRequest__Output as _runnel_v1_OffsetFetchRequest__Output } from './runnel/v1/OffsetFetchRequest.ts';
import type { OffsetFetchResponse as _runnel_v1_OffsetFetchResponse, OffsetFetchResponse__Output as _runnel_v1_OffsetFetchResponse__Output } from './runnel/v1/OffsetFetchResponse.ts';
import type { ResetOffsetsRequest as _runnel_v1_ResetOffsetsRequest, ResetOffsetsRequest__Output as _runnel_v1_ResetOffsetsRequest__Output } from './runnel/v1/ResetOffsetsRequest.ts';
import type { ResetOffsetsResponse as _runnel_v1_ResetOffsetsResponse, ResetOffsetsResponse__Output as _runnel_v1_ResetOffsetsResponse__Output } from './runnel/v1/ResetOffsetsResponse.ts';
import type { ResetPartitionResult as _runnel_v1_ResetPartitionResult, ResetPartitionResult__Output as _runnel_v1_ResetPartitionResult__Output } from './runnel/v1/ResetPartitionResult.ts';
import type { TopicPartitions as _runnel_v1_TopicPartitions, TopicPartitions__Output as _runnel_v1_TopicPartitions__Output } from './runnel/v1/TopicPartitions.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  runnel: {
    v1: {
      CommittedOffset: MessageTypeDefinition<_runnel_v1_CommittedOffset, _runnel_v1_CommittedOffset__Output>
      DeleteGroupResult: MessageTypeDefinition<_runnel_v1_DeleteGroupResult, _runnel_v1_DeleteGroupResult__Output>
      DeleteGroupsRequest: MessageTypeDefinition<_runnel_v1_DeleteGroupsRequest, _runnel_v1_DeleteGroupsRequest__Output>
      DeleteGroupsResponse: MessageTypeDefinition<_runnel_v1_DeleteGroupsResponse, _runnel_v1_DeleteGroupsResponse__Output>
      DescribeGroupsRequest: MessageTypeDefinition<_runnel_v1_DescribeGroupsRequest, _runnel_v1_DescribeGroupsRequest__Output>
      DescribeGroupsResponse: MessageTypeDefinition<_runnel_v1_DescribeGroupsResponse, _runnel_v1_DescribeGroupsResponse__Output>
      Error: MessageTypeDefinition<_runnel_v1_Error, _runnel_v1_Error__Output>
      FindCoordinatorRequest: MessageTypeDefinition<_runnel_v1_FindCoordinatorRequest, _runnel_v1_FindCoordinatorRequest__Output>
      FindCoordinatorResponse: MessageTypeDefinition<_runnel_v1_FindCoordinatorResponse, _runnel_v1_FindCoordinatorResponse__Output>
      Group: SubtypeConstructor<typeof grpc.Client, _runnel_v1_GroupClient> & { service: _runnel_v1_GroupDefinition }
      GroupDescription: MessageTypeDefinition<_runnel_v1_GroupDescription, _runnel_v1_GroupDescription__Output>
      GroupMemberDescription: MessageTypeDefinition<_runnel_v1_GroupMemberDescription, _runnel_v1_GroupMemberDescription__Output>
      GroupPartitionOffset: MessageTypeDefinition<_runnel_v1_GroupPartitionOffset, _runnel_v1_GroupPartitionOffset__Output>
      HeartbeatRequest: MessageTypeDefinition<_runnel_v1_HeartbeatRequest, _runnel_v1_HeartbeatRequest__Output>
      HeartbeatResponse: MessageTypeDefinition<_runnel_v1_HeartbeatResponse, _runnel_v1_HeartbeatResponse__Output>
      ListGroupsRequest: MessageTypeDefinition<_runnel_v1_ListGroupsRequest, _runnel_v1_ListGroupsRequest__Output>
      ListGroupsResponse: MessageTypeDefinition<_runnel_v1_ListGroupsResponse, _runnel_v1_ListGroupsResponse__Output>
      ListedGroup: MessageTypeDefinition<_runnel_v1_ListedGroup, _runnel_v1_ListedGroup__Output>
      OffsetCommitPartition: MessageTypeDefinition<_runnel_v1_OffsetCommitPartition, _runnel_v1_OffsetCommitPartition__Output>
      OffsetCommitPartitionResponse: MessageTypeDefinition<_runnel_v1_OffsetCommitPartitionResponse, _runnel_v1_OffsetCommitPartitionResponse__Output>
      OffsetCommitRequest: MessageTypeDefinition<_runnel_v1_OffsetCommitRequest, _runnel_v1_OffsetCommitRequest__Output>
      OffsetCommitResponse: MessageTypeDefinition<_runnel_v1_OffsetCommitResponse, _runnel_v1_OffsetCommitResponse__Output>
      OffsetFetchRequest: MessageTypeDefinition<_runnel_v1_OffsetFetchRequest, _runnel_v1_OffsetFetchRequest__Output>
      OffsetFetchResponse: MessageTypeDefinition<_runnel_v1_OffsetFetchResponse, _runnel_v1_OffsetFetchResponse__Output>
      ResetOffsetsRequest: MessageTypeDefinition<_runnel_v1_ResetOffsetsRequest, _runnel_v1_ResetOffsetsRequest__Output>
      ResetOffsetsResponse: MessageTypeDefinition<_runnel_v1_ResetOffsetsResponse, _runnel_v1_ResetOffsetsResponse__Output>
      ResetPartitionResult: MessageTypeDefinition<_runnel_v1_ResetPartitionResult, _runnel_v1_ResetPartitionResult__Output>
      ResetSpec: EnumTypeDefinition
      TopicPartitions: MessageTypeDefinition<_runnel_v1_TopicPartitions, _runnel_v1_TopicPartitions__Output>
    }
  }
}

