import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { EpochEndOffset as _runnel_v1_EpochEndOffset, EpochEndOffset__Output as _runnel_v1_EpochEndOffset__Output } from './runnel/v1/EpochEndOffset.ts';
import type { Error as _runnel_v1_Error, Error__Output as _runnel_v1_Error__Output } from './runnel/v1/Error.ts';
import type { HandoverRequest as _runnel_v1_HandoverRequest, HandoverRequest__Output as _runnel_v1_HandoverRequest__Output } from './runnel/v1/HandoverRequest.ts';
import type { HandoverResponse as _runnel_v1_HandoverResponse, HandoverResponse__Output as _runnel_v1_HandoverResponse__Output } from './runnel/v1/HandoverResponse.ts';
import type { OffsetForLeaderEpochPartition as _runnel_v1_OffsetForLeaderEpochPartition, OffsetForLeaderEpochPartition__Output as _runnel_v1_OffsetForLeaderEpochPartition__Output } from './runnel/v1/OffsetForLeaderEpochPartition.ts';
import type { OffsetForLeaderEpochPartitionResponse as _runnel_v1_OffsetForLeaderEpochPartitionResponse, OffsetForLeaderEpochPartitionResponse__Output as _runnel_v1_OffsetForLeaderEpochPartitionResponse__Output } from './runnel/v1/OffsetForLeaderEpochPartitionResponse.ts';
import type { OffsetForLeaderEpochRequest as _runnel_v1_OffsetForLeaderEpochRequest, OffsetForLeaderEpochRequest__Output as _runnel_v1_OffsetForLeaderEpochRequest__Output } from './runnel/v1/OffsetForLeaderEpochRequest.ts';
import type { OffsetForLeaderEpochResponse as _runnel_v1_OffsetForLeaderEpochResponse, OffsetForLeaderEpochResponse__Output as _runnel_v1_OffsetForLeaderEpochResponse__Output } from './runnel/v1/OffsetForLeaderEpochResponse.ts';
import type { ReplicaClient as _runnel_v1_ReplicaClient, ReplicaDefinition as _runnel_v1_ReplicaDefinition } from './runnel/v1/Replica.ts';
import type { ReplicaFetchPartition as _runnel_v1_ReplicaFetchPartition, ReplicaFetchPartition__Output as _runnel_v1_ReplicaFetchPartition__Output } from './runnel/v1/ReplicaFetchPartition.ts';
import type { ReplicaFetchPartitionResponse as _runnel_v1_ReplicaFetchPartitionResponse, ReplicaFetchPartitionResponse__Output as _runnel_v1_ReplicaFetchPartitionResponse__Output } from './runnel/v1/ReplicaFetchPartitionResponse.ts';
import type { ReplicaFetchRequest as _runnel_v1_ReplicaFetchRequest, ReplicaFetchRequest__Output as _runnel_v1_ReplicaFetchRequest__Output } from './runnel/v1/ReplicaFetchRequest.ts';
import type { ReplicaFetchResponse as _runnel_v1_ReplicaFetchResponse, ReplicaFetchResponse__Output as _runnel_v1_ReplicaFetchResponse__Output } from './runnel/v1/ReplicaFetchResponse.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  runnel: {
    v1: {
      EpochEndOffset: MessageTypeDefinition<_runnel_v1_EpochEndOffset, _runnel_v1_EpochEndOffset__Output>
      Error: MessageTypeDefinition<_runnel_v1_Error, _runnel_v1_Error__Output>
      HandoverRequest: MessageTypeDefinition<_runnel_v1_HandoverRequest, _runnel_v1_HandoverRequest__Output>
      HandoverResponse: MessageTypeDefinition<_runnel_v1_HandoverResponse, _runnel_v1_HandoverResponse__Output>
      OffsetForLeaderEpochPartition: MessageTypeDefinition<_runnel_v1_OffsetForLeaderEpochPartition, _runnel_v1_OffsetForLeaderEpochPartition__Output>
      OffsetForLeaderEpochPartitionResponse: MessageTypeDefinition<_runnel_v1_OffsetForLeaderEpochPartitionResponse, _runnel_v1_OffsetForLeaderEpochPartitionResponse__Output>
      OffsetForLeaderEpochRequest: MessageTypeDefinition<_runnel_v1_OffsetForLeaderEpochRequest, _runnel_v1_OffsetForLeaderEpochRequest__Output>
      OffsetForLeaderEpochResponse: MessageTypeDefinition<_runnel_v1_OffsetForLeaderEpochResponse, _runnel_v1_OffsetForLeaderEpochResponse__Output>
      Replica: SubtypeConstructor<typeof grpc.Client, _runnel_v1_ReplicaClient> & { service: _runnel_v1_ReplicaDefinition }
      ReplicaFetchPartition: MessageTypeDefinition<_runnel_v1_ReplicaFetchPartition, _runnel_v1_ReplicaFetchPartition__Output>
      ReplicaFetchPartitionResponse: MessageTypeDefinition<_runnel_v1_ReplicaFetchPartitionResponse, _runnel_v1_ReplicaFetchPartitionResponse__Output>
      ReplicaFetchRequest: MessageTypeDefinition<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchRequest__Output>
      ReplicaFetchResponse: MessageTypeDefinition<_runnel_v1_ReplicaFetchResponse, _runnel_v1_ReplicaFetchResponse__Output>
    }
  }
}

