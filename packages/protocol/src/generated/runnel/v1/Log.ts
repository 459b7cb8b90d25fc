// Original file: proto/runnel/v1/log.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { FetchPartitionResponse as _runnel_v1_FetchPartitionResponse, FetchPartitionResponse__Output as _runnel_v1_FetchPartitionResponse__Output } from '../../runnel/v1/FetchPartitionResponse.ts';
import type { FetchRequest as _runnel_v1_FetchRequest, FetchRequest__Output as _runnel_v1_FetchRequest__Output } from '../../runnel/v1/FetchRequest.ts';
import type { FetchResponse as _runnel_v1_FetchResponse, FetchResponse__Output as _runnel_v1_FetchResponse__Output } from '../../runnel/v1/FetchResponse.ts';
import type { InitProducerIdRequest as _runnel_v1_InitProducerIdRequest, InitProducerIdRequest__Output as _runnel_v1_InitProducerIdRequest__Output } from '../../runnel/v1/InitProducerIdRequest.ts';
import type { InitProducerIdResponse as _runnel_v1_InitProducerIdResponse, InitProducerIdResponse__Output as _runnel_v1_InitProducerIdResponse__Output } from '../../runnel/v1/InitProducerIdResponse.ts';
import type { ListOffsetsRequest as _runnel_v1_ListOffsetsRequest, ListOffsetsRequest__Output as _runnel_v1_ListOffsetsRequest__Output } from '../../runnel/v1/ListOffsetsRequest.ts';
import type { ListOffsetsResponse as _runnel_v1_ListOffsetsResponse, ListOffsetsResponse__Output as _runnel_v1_ListOffsetsResponse__Output } from '../../runnel/v1/ListOffsetsResponse.ts';
import type { MetadataRequest as _runnel_v1_MetadataRequest, MetadataRequest__Output as _runnel_v1_MetadataRequest__Output } from '../../runnel/v1/MetadataRequest.ts';
import type { MetadataResponse as _runnel_v1_MetadataResponse, MetadataResponse__Output as _runnel_v1_MetadataResponse__Output } from '../../runnel/v1/MetadataResponse.ts';
import type { ProduceRequest as _runnel_v1_ProduceRequest, ProduceRequest__Output as _runnel_v1_ProduceRequest__Output } from '../../runnel/v1/ProduceRequest.ts';
import type { ProduceResponse as _runnel_v1_ProduceResponse, ProduceResponse__Output as _runnel_v1_ProduceResponse__Output } from '../../runnel/v1/ProduceResponse.ts';
import type { TailRequest as _runnel_v1_TailRequest, TailRequest__Output as _runnel_v1_TailRequest__Output } from '../../runnel/v1/TailRequest.ts';

export interface LogClient extends grpc.Client {
  /**
   * Long-poll read: waits up to max_wait_ms until min_bytes are available across partitions.
   */
  Fetch(argument: _runnel_v1_FetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  Fetch(argument: _runnel_v1_FetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  Fetch(argument: _runnel_v1_FetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  Fetch(argument: _runnel_v1_FetchRequest, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Long-poll read: waits up to max_wait_ms until min_bytes are available across partitions.
   */
  fetch(argument: _runnel_v1_FetchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  fetch(argument: _runnel_v1_FetchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  fetch(argument: _runnel_v1_FetchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  fetch(argument: _runnel_v1_FetchRequest, callback: grpc.requestCallback<_runnel_v1_FetchResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The same, pipelined on one stream: each request is answered by one response, in request
   * order. A request the broker rejects ends the stream with that request's status. Clients keep
   * one open per broker: an HTTP/2 stream per fetch costs the client far more than the fetch
   * (Node's HTTP/2 client keeps each stream's objects alive until a full GC).
   */
  FetchStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse__Output>;
  FetchStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse__Output>;
  /**
   * The same, pipelined on one stream: each request is answered by one response, in request
   * order. A request the broker rejects ends the stream with that request's status. Clients keep
   * one open per broker: an HTTP/2 stream per fetch costs the client far more than the fetch
   * (Node's HTTP/2 client keeps each stream's objects alive until a full GC).
   */
  fetchStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse__Output>;
  fetchStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse__Output>;
  
  /**
   * Allocates a cluster-unique producer id for an idempotent producer (DESIGN.md §6 rule 11).
   * The producer stamps (producer_id, producer_epoch, base_sequence) into each RecordBatch v2
   * header, per partition from sequence 0; the leader answers a retried batch with its original
   * offset, a gap with OUT_OF_ORDER_SEQUENCE and an older epoch with INVALID_PRODUCER_EPOCH.
   */
  InitProducerId(argument: _runnel_v1_InitProducerIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  InitProducerId(argument: _runnel_v1_InitProducerIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  InitProducerId(argument: _runnel_v1_InitProducerIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  InitProducerId(argument: _runnel_v1_InitProducerIdRequest, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Allocates a cluster-unique producer id for an idempotent producer (DESIGN.md §6 rule 11).
   * The producer stamps (producer_id, producer_epoch, base_sequence) into each RecordBatch v2
   * header, per partition from sequence 0; the leader answers a retried batch with its original
   * offset, a gap with OUT_OF_ORDER_SEQUENCE and an older epoch with INVALID_PRODUCER_EPOCH.
   */
  initProducerId(argument: _runnel_v1_InitProducerIdRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  initProducerId(argument: _runnel_v1_InitProducerIdRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  initProducerId(argument: _runnel_v1_InitProducerIdRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  initProducerId(argument: _runnel_v1_InitProducerIdRequest, callback: grpc.requestCallback<_runnel_v1_InitProducerIdResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Earliest, latest, or first offset at or after a timestamp.
   */
  ListOffsets(argument: _runnel_v1_ListOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ListOffsets(argument: _runnel_v1_ListOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ListOffsets(argument: _runnel_v1_ListOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  ListOffsets(argument: _runnel_v1_ListOffsetsRequest, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Earliest, latest, or first offset at or after a timestamp.
   */
  listOffsets(argument: _runnel_v1_ListOffsetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  listOffsets(argument: _runnel_v1_ListOffsetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  listOffsets(argument: _runnel_v1_ListOffsetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  listOffsets(argument: _runnel_v1_ListOffsetsRequest, callback: grpc.requestCallback<_runnel_v1_ListOffsetsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Brokers, topics and partitions with their leaders. Clients refresh it on NOT_LEADER.
   */
  Metadata(argument: _runnel_v1_MetadataRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  Metadata(argument: _runnel_v1_MetadataRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  Metadata(argument: _runnel_v1_MetadataRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  Metadata(argument: _runnel_v1_MetadataRequest, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Brokers, topics and partitions with their leaders. Clients refresh it on NOT_LEADER.
   */
  metadata(argument: _runnel_v1_MetadataRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  metadata(argument: _runnel_v1_MetadataRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  metadata(argument: _runnel_v1_MetadataRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  metadata(argument: _runnel_v1_MetadataRequest, callback: grpc.requestCallback<_runnel_v1_MetadataResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Appends record batches to one or more partitions led by this broker.
   */
  Produce(argument: _runnel_v1_ProduceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  Produce(argument: _runnel_v1_ProduceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  Produce(argument: _runnel_v1_ProduceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  Produce(argument: _runnel_v1_ProduceRequest, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Appends record batches to one or more partitions led by this broker.
   */
  produce(argument: _runnel_v1_ProduceRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  produce(argument: _runnel_v1_ProduceRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  produce(argument: _runnel_v1_ProduceRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  produce(argument: _runnel_v1_ProduceRequest, callback: grpc.requestCallback<_runnel_v1_ProduceResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The same, pipelined: responses carry the request's correlation_id and may arrive in any order
   * across partitions, but in request order for any one partition.
   */
  ProduceStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse__Output>;
  ProduceStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse__Output>;
  /**
   * The same, pipelined: responses carry the request's correlation_id and may arrive in any order
   * across partitions, but in request order for any one partition.
   */
  produceStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse__Output>;
  produceStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse__Output>;
  
  /**
   * Server-streaming tail of one partition from an offset; ends when the client cancels.
   */
  Tail(argument: _runnel_v1_TailRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_runnel_v1_FetchPartitionResponse__Output>;
  Tail(argument: _runnel_v1_TailRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_runnel_v1_FetchPartitionResponse__Output>;
  /**
   * Server-streaming tail of one partition from an offset; ends when the client cancels.
   */
  tail(argument: _runnel_v1_TailRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_runnel_v1_FetchPartitionResponse__Output>;
  tail(argument: _runnel_v1_TailRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_runnel_v1_FetchPartitionResponse__Output>;
  
}

export interface LogHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Long-poll read: waits up to max_wait_ms until min_bytes are available across partitions.
   */
  Fetch: grpc.handleUnaryCall<_runnel_v1_FetchRequest__Output, _runnel_v1_FetchResponse>;
  
  /**
   * The same, pipelined on one stream: each request is answered by one response, in request
   * order. A request the broker rejects ends the stream with that request's status. Clients keep
   * one open per broker: an HTTP/2 stream per fetch costs the client far more than the fetch
   * (Node's HTTP/2 client keeps each stream's objects alive until a full GC).
   */
  FetchStream: grpc.handleBidiStreamingCall<_runnel_v1_FetchRequest__Output, _runnel_v1_FetchResponse>;
  
  /**
   * Allocates a cluster-unique producer id for an idempotent producer (DESIGN.md §6 rule 11).
   * The producer stamps (producer_id, producer_epoch, base_sequence) into each RecordBatch v2
   * header, per partition from sequence 0; the leader answers a retried batch with its original
   * offset, a gap with OUT_OF_ORDER_SEQUENCE and an older epoch with INVALID_PRODUCER_EPOCH.
   */
  InitProducerId: grpc.handleUnaryCall<_runnel_v1_InitProducerIdRequest__Output, _runnel_v1_InitProducerIdResponse>;
  
  /**
   * Earliest, latest, or first offset at or after a timestamp.
   */
  ListOffsets: grpc.handleUnaryCall<_runnel_v1_ListOffsetsRequest__Output, _runnel_v1_ListOffsetsResponse>;
  
  /**
   * Brokers, topics and partitions with their leaders. Clients refresh it on NOT_LEADER.
   */
  Metadata: grpc.handleUnaryCall<_runnel_v1_MetadataRequest__Output, _runnel_v1_MetadataResponse>;
  
  /**
   * Appends record batches to one or more partitions led by this broker.
   */
  Produce: grpc.handleUnaryCall<_runnel_v1_ProduceRequest__Output, _runnel_v1_ProduceResponse>;
  
  /**
   * The same, pipelined: responses carry the request's correlation_id and may arrive in any order
   * across partitions, but in request order for any one partition.
   */
  ProduceStream: grpc.handleBidiStreamingCall<_runnel_v1_ProduceRequest__Output, _runnel_v1_ProduceResponse>;
  
  /**
   * Server-streaming tail of one partition from an offset; ends when the client cancels.
   */
  Tail: grpc.handleServerStreamingCall<_runnel_v1_TailRequest__Output, _runnel_v1_FetchPartitionResponse>;
  
}

export interface LogDefinition extends grpc.ServiceDefinition {
  Fetch: MethodDefinition<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse, _runnel_v1_FetchRequest__Output, _runnel_v1_FetchResponse__Output>
  FetchStream: MethodDefinition<_runnel_v1_FetchRequest, _runnel_v1_FetchResponse, _runnel_v1_FetchRequest__Output, _runnel_v1_FetchResponse__Output>
  InitProducerId: MethodDefinition<_runnel_v1_InitProducerIdRequest, _runnel_v1_InitProducerIdResponse, _runnel_v1_InitProducerIdRequest__Output, _runnel_v1_InitProducerIdResponse__Output>
  ListOffsets: MethodDefinition<_runnel_v1_ListOffsetsRequest, _runnel_v1_ListOffsetsResponse, _runnel_v1_ListOffsetsRequest__Output, _runnel_v1_ListOffsetsResponse__Output>
  Metadata: MethodDefinition<_runnel_v1_MetadataRequest, _runnel_v1_MetadataResponse, _runnel_v1_MetadataRequest__Output, _runnel_v1_MetadataResponse__Output>
  Produce: MethodDefinition<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse, _runnel_v1_ProduceRequest__Output, _runnel_v1_ProduceResponse__Output>
  ProduceStream: MethodDefinition<_runnel_v1_ProduceRequest, _runnel_v1_ProduceResponse, _runnel_v1_ProduceRequest__Output, _runnel_v1_ProduceResponse__Output>
  Tail: MethodDefinition<_runnel_v1_TailRequest, _runnel_v1_FetchPartitionResponse, _runnel_v1_TailRequest__Output, _runnel_v1_FetchPartitionResponse__Output>
}
