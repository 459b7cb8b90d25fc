import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminClient as _runnel_v1_AdminClient, AdminDefinition as _runnel_v1_AdminDefinition } from './runnel/v1/Admin.ts';
import type { BrokerInfo as _runnel_v1_BrokerInfo, BrokerInfo__Output as _runnel_v1_BrokerInfo__Output } from './runnel/v1/BrokerInfo.ts';
import type { CreateTopicResult as _runnel_v1_CreateTopicResult, CreateTopicResult__Output as _runnel_v1_CreateTopicResult__Output } from './runnel/v1/CreateTopicResult.ts';
import type { CreateTopicsRequest as _runnel_v1_CreateTopicsRequest, CreateTopicsRequest__Output as _runnel_v1_CreateTopicsRequest__Output } from './runnel/v1/CreateTopicsRequest.ts';
import type { CreateTopicsResponse as _runnel_v1_CreateTopicsResponse, CreateTopicsResponse__Output as _runnel_v1_CreateTopicsResponse__Output } from './runnel/v1/CreateTopicsResponse.ts';
import type { DeleteRecordsPartition as _runnel_v1_DeleteRecordsPartition, DeleteRecordsPartition__Output as _runnel_v1_DeleteRecordsPartition__Output } from './runnel/v1/DeleteRecordsPartition.ts';
import type { DeleteRecordsPartitionResult as _runnel_v1_DeleteRecordsPartitionResult, DeleteRecordsPartitionResult__Output as _runnel_v1_DeleteRecordsPartitionResult__Output } from './runnel/v1/DeleteRecordsPartitionResult.ts';
import type { DeleteRecordsRequest as _runnel_v1_DeleteRecordsRequest, DeleteRecordsRequest__Output as _runnel_v1_DeleteRecordsRequest__Output } from './runnel/v1/DeleteRecordsRequest.ts';
import type { DeleteRecordsResponse as _runnel_v1_DeleteRecordsResponse, DeleteRecordsResponse__Output as _runnel_v1_DeleteRecordsResponse__Output } from './runnel/v1/DeleteRecordsResponse.ts';
import type { DeleteTopicResult as _runnel_v1_DeleteTopicResult, DeleteTopicResult__Output as _runnel_v1_DeleteTopicResult__Output } from './runnel/v1/DeleteTopicResult.ts';
import type { DeleteTopicsRequest as _runnel_v1_DeleteTopicsRequest, DeleteTopicsRequest__Output as _runnel_v1_DeleteTopicsRequest__Output } from './runnel/v1/DeleteTopicsRequest.ts';
import type { DeleteTopicsResponse as _runnel_v1_DeleteTopicsResponse, DeleteTopicsResponse__Output as _runnel_v1_DeleteTopicsResponse__Output } from './runnel/v1/DeleteTopicsResponse.ts';
import type { DescribeClusterRequest as _runnel_v1_DescribeClusterRequest, DescribeClusterRequest__Output as _runnel_v1_DescribeClusterRequest__Output } from './runnel/v1/DescribeClusterRequest.ts';
import type { DescribeClusterResponse as _runnel_v1_DescribeClusterResponse, DescribeClusterResponse__Output as _runnel_v1_DescribeClusterResponse__Output } from './runnel/v1/DescribeClusterResponse.ts';
import type { DescribeTopicsRequest as _runnel_v1_DescribeTopicsRequest, DescribeTopicsRequest__Output as _runnel_v1_DescribeTopicsRequest__Output } from './runnel/v1/DescribeTopicsRequest.ts';
import type { DescribeTopicsResponse as _runnel_v1_DescribeTopicsResponse, DescribeTopicsResponse__Output as _runnel_v1_DescribeTopicsResponse__Output } from './runnel/v1/DescribeTopicsResponse.ts';
import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from './runnel/v1/Error.ts';
import type { FetchPartition as _runnel_v1_FetchPartition, FetchPartition__Output as _runnel_v1_FetchPartition__Output } from './runnel/v1/FetchPartition.ts';
import type { FetchPartitionResponse as _runnel_v1_FetchPartitionResponse, FetchPartitionResponse__Output as _runnel_v1_FetchPartitionResponse__Output } from './runnel/v1/FetchPartitionResponse.ts';
import type { FetchRequest as _runnel_v1_FetchRequest, FetchRequest__Output as _runnel_v1_FetchRequest__Output } from './runnel/v1/FetchRequest.ts';
import type { FetchResponse as _runnel_v1_FetchResponse, FetchResponse__Output as _runnel_v1_FetchResponse__Output } from './runnel/v1/FetchResponse.ts';
import type { InitProducerIdRequest as _runnel_v1_InitProducerIdRequest, InitProducerIdRequest__Output as _runnel_v1_InitProducerIdRequest__Output } from './runnel/v1/InitProducerIdRequest.ts';
import type { InitProducerIdResponse as _runnel_v1_InitProducerIdResponse, InitProducerIdResponse__Output as _runnel_v1_InitProducerIdResponse__Output } from './runnel/v1/InitProducerIdResponse.ts';
import type { ListOffsetsPartition as _runnel_v1_ListOffsetsPartition, ListOffsetsPartition__Output as _runnel_v1_ListOffsetsPartition__Output } from './runnel/v1/ListOffsetsPartition.ts';
import type { ListOffsetsPartitionResponse as _runnel_v1_ListOffsetsPartitionResponse, ListOffsetsPartitionResponse__Output as _runnel_v1_ListOffsetsPartitionResponse__Output } from './runnel/v1/ListOffsetsPartitionResponse.ts';
import type { ListOffsetsRequest as _runnel_v1_ListOffsetsRequest, ListOffsetsRequest__Output as _runnel_v1_ListOffsetsRequest__Output } from './runnel/v1/ListOffsetsRequest.ts';
import type { ListOffsetsResponse as _runnel_v1_ListOffsetsResponse, ListOffsetsResponse__Output as _runnel_v1_ListOffsetsResponse__Output } from './runnel/v1/ListOffsetsResponse.ts';
import type { LogClient as _runnel_v1_LogClient, LogDefinition as _runnel_v1_LogDefinition } from './runnel/v1/Log.ts';
import type { MetadataRequest as _runnel_v1_MetadataRequest, MetadataRequest__Output as _runnel_v1_MetadataRequest__Output } from './runnel/v1/MetadataRequest.ts';
import type { MetadataResponse as _runnel_v1_MetadataResponse, MetadataResponse__Output as _runnel_v1_MetadataResponse__Output } from './runnel/v1/MetadataResponse.ts';
import type { PartitionAtRisk as _runnel_v1_PartitionAtRisk, PartitionAtRisk__Output as _runnel_v1_PartitionAtRisk__Output } from './runnel/v1/PartitionAtRisk.ts';
import type { PartitionDescription as _runnel_v1_PartitionDescription, PartitionDescription__Output as _runnel_v1_PartitionDescription__Output } from './runnel/v1/PartitionDescription.ts';
import type { PartitionMetadata as _runnel_v1_PartitionMetadata, PartitionMetadata__Output as _runnel_v1_PartitionMetadata__Output } from './runnel/v1/PartitionMetadata.ts';
import type { PostRestartCheckRequest as _runnel_v1_PostRestartCheckRequest, PostRestartCheckRequest__Output as _runnel_v1_PostRestartCheckRequest__Output } from './runnel/v1/PostRestartCheckRequest.ts';
import type { PostRestartCheckResponse as _runnel_v1_PostRestartCheckResponse, PostRestartCheckResponse__Output as _runnel_v1_PostRestartCheckResponse__Output } from './runnel/v1/PostRestartCheckResponse.ts';
import type { PreRestartCheckRequest as _runnel_v1_PreRestartCheckRequest, PreRestartCheckRequest__Output as _runnel_v1_PreRestartCheckRequest__Output } from './runnel/v1/PreRestartCheckRequest.ts';
import type { PreRestartCheckResponse as _runnel_v1_PreRestartCheckResponse, PreRestartCheckResponse__Output as _runnel_v1_PreRestartCheckResponse__Output } from './runnel/v1/PreRestartCheckResponse.ts';
import type { ProducePartition as _runnel_v1_ProducePartition, ProducePartition__Output as _runnel_v1_ProducePartition__Output } from './runnel/v1/ProducePartition.ts';
import type { ProducePartitionResponse as _runnel_v1_ProducePartitionResponse, ProducePartitionResponse__Output as _runnel_v1_ProducePartitionResponse__Output } from './runnel/v1/ProducePartitionResponse.ts';
import type { ProduceRequest as _runnel_v1_ProduceRequest, ProduceRequest__Output as _runnel_v1_ProduceRequest__Output } from './runnel/v1/ProduceRequest.ts';
import type { ProduceResponse as _runnel_v1_ProduceResponse, ProduceResponse__Output as _runnel_v1_ProduceResponse__Output } from './runnel/v1/ProduceResponse.ts';
import type { TailRequest as _runnel_v1_TailRequest, TailRequest__Output as _runnel_v1_TailRequest__Output } from './runnel/v1/TailRequest.ts';
import type { TopicDescription as _runnel_v1_TopicDescription, TopicDescription__Output as _runnel_v1_TopicDescription__Output } from './runnel/v1/TopicDescription.ts';
import type { TopicMetadata as _runnel_v1_TopicMetadata, TopicMetadata__Output as _runnel_v1_TopicMetadata__Output } from './runnel/v1/TopicMetadata.ts';
import type { TopicSpec as _runnel_v1_TopicSpec, TopicSpec__Output as _runnel_v1_TopicSpec__Output } from './runnel/v1/TopicSpec.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  runnel: {
    v1: {
      Acks: EnumTypeDefinition
      Admin: SubtypeConstructor<typeof grpc.Client, _runnel_v1_AdminClient> & { service: _runnel_v1_AdminDefinition }
      BrokerInfo: MessageTypeDefinition<_runnel_v1_BrokerInfo, _runnel_v1_BrokerInfo__Output>
      CreateTopicResult: MessageTypeDefinition<_runnel_v1_CreateTopicResult, _runnel_v1_CreateTopicResult__Output>
      CreateTopicsRequest: MessageTypeDefinition<_runnel_v1_CreateTopicsRequest, _runnel_v1_CreateTopicsRequest__Output>
      CreateTopicsResponse: MessageTypeDefinition<_runnel_v1_CreateTopicsResponse, _runnel_v1_CreateTopicsResponse__Output>
      DeleteRecordsPartition: MessageTypeDefinition<_runnel_v1_DeleteRecordsPartition, _runnel_v1_DeleteRecordsPartition__Output>
      DeleteRecordsPartitionResult: MessageTypeDefinition<_runnel_v1_DeleteRecordsPartitionResult, _runnel_v1_DeleteRecordsPartitionResult__Output>
      DeleteRecordsRequest: MessageTypeDefinition<_runnel_v1_DeleteRecordsRequest, _runnel_v1_DeleteRecordsRequest__Output>
      DeleteRecordsResponse: MessageTypeDefinition<_runnel_v1_DeleteRecordsResponse, _runnel_v1_DeleteRecordsResponse__Output>
      DeleteTopicResult: MessageTypeDefinition<_runnel_v1_DeleteTopicResult, _runnel_v1_DeleteTopicResult__Output>
      DeleteTopicsRequest: MessageTypeDefinition<_runnel_v1_DeleteTopicsRequest, _runnel_v1_DeleteTopicsRequest__Output>
      DeleteTopicsResponse: MessageTypeDefinition<_runnel_v1_DeleteTopicsResponse, _runnel_v1_DeleteTopicsResponse__Output>
      DescribeClusterRequest: MessageTypeDefinition<_runnel_v1_DescribeClusterRequest, _runnel_v1_DescribeClusterRequest__Output>
      DescribeClusterResponse: MessageTypeDefinition<_runnel_v1_DescribeClusterResponse, _runnel_v1_DescribeClusterResponse__Output>
      DescribeTopicsRequest: MessageTypeDefinition<_runnel_v1_DescribeTopicsRequest, _runnel_v1_DescribeTopicsRequest__Output>
      DescribeTopicsResponse: MessageTypeDefinition<_runnel_v1_DescribeTopicsResponse, _runnel_v1_DescribeTopicsResponse__Output>
      Error: MessageTypeDefinition<_runnel_v1_Error, _runnel_v1_Error__Output>
      FetchPartition: MessageTypeDefinition<_runnel_v1_FetchPartition, _runnel_v1_FetchPartition__Output>
      FetchPartitionResponse: MessageTypeDefinition<_runnel_v1_FetchPartitionResponse, _runnel_v1_FetchPartitionResponse__Output>
      FetchRequest: MessageTypeDefinition<_runnel_v1_FetchRequest, _runnel_v1_FetchRequest__Output>
      FetchResponse: MessageTypeDefinition<_runnel_v1_FetchResponse, _runnel_v1_FetchResponse__Output>
      InitProducerIdRequest: MessageTypeDefinition<_runnel_v1_InitProducerIdRequest, _runnel_v1_InitProducerIdRequest__Output>
      InitProducerIdResponse: MessageTypeDefinition<_runnel_v1_InitProducerIdResponse, _runnel_v1_InitProducerIdResponse__Output>
      ListOffsetsPartition: MessageTypeDefinition<_runnel_v1_ListOffsetsPartition, _runnel_v1_ListOffsetsPartition__Output>
      ListOffsetsPartitionResponse: MessageTypeDefinition<_runnel_v1_ListOffsetsPartitionResponse, _runnel_v1_ListOffsetsPartitionResponse__Output>
      ListOffsetsRequest: MessageTypeDefinition<_runnel_v1_ListOffsetsRequest, _runnel_v1_ListOffsetsRequest__Output>
      ListOffsetsResponse: MessageTypeDefinition<_runnel_v1_ListOffsetsResponse, _runnel_v1_ListOffsetsResponse__Output>
      Log: SubtypeConstructor<typeof grpc.Client, _runnel_v1_LogClient> & { service: _runnel_v1_LogDefinition }
      MetadataRequest: MessageTypeDefinition<_runnel_v1_MetadataRequest, _runnel_v1_MetadataRequest__Output>
      MetadataResponse: MessageTypeDefinition<_runnel_v1_MetadataResponse, _runnel_v1_MetadataResponse__Output>
      OffsetSpec: EnumTypeDefinition
      PartitionAtRisk: MessageTypeDefinition<_runnel_v1_PartitionAtRisk, _runnel_v1_PartitionAtRisk__Output>
      PartitionDescription: MessageTypeDefinition<_runnel_v1_PartitionDescription, _runnel_v1_PartitionDescription__Output>
      PartitionMetadata: MessageTypeDefinition<_runnel_v1_PartitionMetadata, _runnel_v1_PartitionMetadata__Output>
      PostRestartCheckRequest: MessageTypeDefinition<_runnel_v1_PostRestartCheckRequest, _runnel_v1_PostRestartCheckRequest__Output>
      PostRestartCheckResponse: MessageTypeDefinition<_runnel_v1_PostRestartCheckResponse, _runnel_v1_PostRestartCheckResponse__Output>
      PreRestartCheckRequest: MessageTypeDefinition<_runnel_v1_PreRestartCheckRequest, _runnel_v1_PreRestartCheckRequest__Output>
      PreRestartCheckResponse: MessageTypeDefinition<_runnel_v1_PreRestartCheckResponse, _runnel_v1_PreRestartCheckResponse__Output>
      ProducePartition: MessageTypeDefinition<_runnel_v1_ProducePartition, _runnel_v1_ProducePartition__Output>
      ProducePartitionResponse: MessageTypeDefinition<_runnel_v1_ProducePartitionResponse, _runnel_v1_ProducePartitionResponse__Output>
      ProduceRequest: MessageTypeDefinition<_runnel_v1_ProduceRequest, _runnel_v1_ProduceRequest__Output>
      ProduceResponse: MessageTypeDefinition<_runnel_v1_ProduceResponse, _runnel_v1_ProduceResponse__Output>
      TailRequest: MessageTypeDefinition<_runnel_v1_TailRequest, _runnel_v1_TailRequest__Output>
      TopicDescription: MessageTypeDefinition<_runnel_v1_TopicDescription, _runnel_v1_TopicDescription__Output>
      TopicMetadata: MessageTypeDefinition<_runnel_v1_TopicMetadata, _runnel_v1_TopicMetadata__Output>
      TopicSpec: MessageTypeDefinition<_runnel_v1_TopicSpec, _runnel_v1_TopicSpec__Output>
    }
  }
}

