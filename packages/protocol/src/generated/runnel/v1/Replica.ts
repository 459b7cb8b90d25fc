// Original file: proto/runnel/v1/replica.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HandoverRequest as _runnel_v1_HandoverRequest, HandoverRequest__Output as _runnel_v1_HandoverRequest__Output } from '../../runnel/v1/HandoverRequest.ts';
import type { HandoverResponse as _runnel_v1_HandoverResponse, HandoverResponse__Output as _runnel_v1_HandoverResponse__Output } from '../../runnel/v1/HandoverResponse.ts';
import type { OffsetForLeaderEpochRequest as _runnel_v1_OffsetForLeaderEpochRequest, OffsetForLeaderEpochRequest__Output as _runnel_v1_OffsetForLeaderEpochRequest__Output } from '../../runnel/v1/OffsetForLeaderEpochRequest.ts';
import type { OffsetForLeaderEpochResponse as _runnel_v1_OffsetForLeaderEpochResponse, OffsetForLeaderEpochResponse__Output as _runnel_v1_OffsetForLeaderEpochResponse__Output } from '../../runnel/v1/OffsetForLeaderEpochResponse.ts';
import type { ReplicaFetchRequest as _runnel_v1_ReplicaFetchRequest, ReplicaFetchRequest__Output as _runnel_v1_ReplicaFetchRequest__Output } from '../../runnel/v1/ReplicaFetchRequest.ts';
import type { ReplicaFetchResponse as _runnel_v1_ReplicaFetchResponse, ReplicaFetchResponse__Output as _runnel_v1_ReplicaFetchResponse__Output } from '../../runnel/v1/ReplicaFetchResponse.ts';

export interface ReplicaClient extends grpc.Client {
  /**
   * Preferred-leader move (rule 10): asks the current leader to hand a partition over to a target
   * in its ISR. The leader pauses produce, waits for the target to reach its log end, then CASes.
   */
  Handover(argument: _runnel_v1_HandoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  Handover(argument: _runnel_v1_HandoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  Handover(argument: _runnel_v1_HandoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  Handover(argument: _runnel_v1_HandoverRequest, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Preferred-leader move (rule 10): asks the current leader to hand a partition over to a target
   * in its ISR. The leader pauses produce, waits for the target to reach its log end, then CASes.
   */
  handover(argument: _runnel_v1_HandoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  handover(argument: _runnel_v1_HandoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  handover(argument: _runnel_v1_HandoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  handover(argument: _runnel_v1_HandoverRequest, callback: grpc.requestCallback<_runnel_v1_HandoverResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The end offset of a leader epoch in the callee's log (KIP-101): followers truncate to it.
   */
  OffsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  OffsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  OffsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  OffsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The end offset of a leader epoch in the callee's log (KIP-101): followers truncate to it.
   */
  offsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  offsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  offsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  offsetForLeaderEpoch(argument: _runnel_v1_OffsetForLeaderEpochRequest, callback: grpc.requestCallback<_runnel_v1_OffsetForLeaderEpochResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Long-poll fetch of the log of partitions this broker follows from the callee (their leader).
   */
  ReplicaFetch(argument: _runnel_v1_ReplicaFetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  ReplicaFetch(argument: _runnel_v1_ReplicaFetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  ReplicaFetch(argument: _runnel_v1_ReplicaFetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  ReplicaFetch(argument: _runnel_v1_ReplicaFetchRequest, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Long-poll fetch of the log of partitions this broker follows from the callee (their leader).
   */
  replicaFetch(argument: _runnel_v1_ReplicaFetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  replicaFetch(argument: _runnel_v1_ReplicaFetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  replicaFetch(argument: _runnel_v1_ReplicaFetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  replicaFetch(argument: _runnel_v1_ReplicaFetchRequest, callback: grpc.requestCallback<_runnel_v1_ReplicaFetchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The same, pipelined on one stream: one response per request, in request order; a request the
   * leader rejects ends the stream with its status. Followers keep one open per leader.
   */
  ReplicaFetchStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse__Output>;
  ReplicaFetchStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse__Output>;
  /**
   * The same, pipelined on one stream: one response per request, in request order; a request the
   * leader rejects ends the stream with its status. Followers keep one open per leader.
   */
  replicaFetchStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse__Output>;
  replicaFetchStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse__Output>;
  
}

export interface ReplicaHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Preferred-leader move (rule 10): asks the current leader to hand a partition over to a target
   * in its ISR. The leader pauses produce, waits for the target to reach its log end, then CASes.
   */
  Handover: grpc.handleUnaryCall<_runnel_v1_HandoverRequest__Output, _runnel_v1_HandoverResponse>;
  
  /**
   * The end offset of a leader epoch in the callee's log (KIP-101): followers truncate to it.
   */
  OffsetForLeaderEpoch: grpc.handleUnaryCall<_runnel_v1_OffsetForLeaderEpochRequest__Output, _runnel_v1_OffsetForLeaderEpochResponse>;
  
  /**
   * Long-poll fetch of the log of partitions this broker follows from the callee (their leader).
   */
  ReplicaFetch: grpc.handleUnaryCall<_runnel_v1_ReplicaFetchRequest__Output, _runnel_v1_ReplicaFetchResponse>;
  
  /**
   * The same, pipelined on one stream: one response per request, in request order; a request the
   * leader rejects ends the stream with its status. Followers keep one open per leader.
   */
  ReplicaFetchStream: grpc.handleBidiStreamingCall<_runnel_v1_ReplicaFetchRequest__Output, _runnel_v1_ReplicaFetchResponse>;
  
}

export interface ReplicaDefinition extends grpc.ServiceDefinition {
  Handover: MethodDefinition<_runnel_v1_HandoverRequest, _runnel_v1_HandoverResponse, _runnel_v1_HandoverRequest__Output, _runnel_v1_HandoverResponse__Output>
  OffsetForLeaderEpoch: MethodDefinition<_runnel_v1_OffsetForLeaderEpochRequest, _runnel_v1_OffsetForLeaderEpochResponse, _runnel_v1_OffsetForLeaderEpochRequest__Output, _runnel_v1_OffsetForLeaderEpochResponse__Output>
  ReplicaFetch: MethodDefinition<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse, _runnel_v1_ReplicaFetchRequest__Output, _runnel_v1_ReplicaFetchResponse__Output>
  ReplicaFetchStream: MethodDefinition<_runnel_v1_ReplicaFetchRequest, _runnel_v1_ReplicaFetchResponse, _runnel_v1_ReplicaFetchRequest__Output, _runnel_v1_ReplicaFetchResponse__Output>
}
