/**
 * Loads the gRPC service definitions from the repository's proto/ directory.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { decodeFetchPartitionResponse, decodeFetchResponse, decodeReplicaFetchResponse, encodeFetchPartitionResponseReusing, encodeFetchResponseReusing, encodeReplicaFetchResponseReusing } from './fetch-codec.ts';
import type { ProtoGrpcType as AdminProto } from './generated/admin.ts';
import type { ProtoGrpcType as LogProto } from './generated/log.ts';
import type { ProtoGrpcType as ReplicaProto } from './generated/replica.ts';
import type { ProtoGrpcType as GroupProto } from './generated/group.ts';

/**
 * The repository's proto/ directory, found from this file's location (packages/protocol/src),
 * never from the working directory, so brokers and clients start from anywhere.
 */
export const PROTO_ROOT = fileURLToPath(new URL('../../../proto/', import.meta.url));

/** The proto files that make up the public contract, relative to {@link PROTO_ROOT}. */
export const PROTO_FILES = ['runnel/v1/common.proto', 'runnel/v1/log.proto', 'runnel/v1/admin.proto', 'runnel/v1/replica.proto', 'runnel/v1/group.proto'] as const;

/**
 * proto-loader options for the whole codebase: camelCase fields, int64 as JS numbers (values stay
 * below 2^53), enums as their names, defaults filled in, oneofs marked. The generated types in
 * src/generated are made with the same options; change both together.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
} satisfies protoLoader.Options;

/** The loaded gRPC package: `runnel.v1.Log`, `runnel.v1.Admin`, `runnel.v1.Replica` and `runnel.v1.Group` client constructors with `.service`. */
export type RunnelGrpc = LogProto & AdminProto & ReplicaProto & GroupProto;

/** The result of {@link loadRunnelGrpc}. */
export interface LoadedRunnelGrpc {
  /** For servers that need the raw definition (e.g. reflection). */
  packageDefinition: protoLoader.PackageDefinition;
  runnel: RunnelGrpc['runnel'];
}

let cached: LoadedRunnelGrpc | undefined;

/**
 * Loads (once per process) Runnel's gRPC services. Use `runnel.v1.Log.service` with
 * `server.addService`, and `new runnel.v1.Log(address, credentials)` for a client.
 */
export function loadRunnelGrpc(): LoadedRunnelGrpc {
  if (cached === undefined) {
    const packageDefinition = protoLoader.loadSync([...PROTO_FILES], PROTO_LOADER_OPTIONS);
    installFetchCodec(packageDefinition);
    const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as RunnelGrpc;
    cached = { packageDefinition, runnel: loaded.runnel };
  }
  return cached;
}

/**
 * Replaces proto-loader's (protobufjs) serializers of Fetch, FetchStream, Tail, ReplicaFetch and
 * ReplicaFetchStream responses with the
 * hand-written codec of fetch-codec.ts: the same bytes on the wire, without the copies. The
 * response serializer reuses one scratch buffer, which is safe because grpc-js's server copies
 * the serialized message into its framed output before it serializes the next one.
 */
function installFetchCodec(definition: protoLoader.PackageDefinition): void {
  const log = definition['runnel.v1.Log'] as Record<string, grpc.MethodDefinition<unknown, unknown>>;
  const fetch = log['Fetch'];
  const fetchStream = log['FetchStream'];
  const tail = log['Tail'];
  if (fetch === undefined || fetchStream === undefined || tail === undefined) throw new Error('runnel.v1.Log lacks Fetch, FetchStream or Tail: proto/ and the codec disagree');
  log['Fetch'] = { ...fetch, responseSerialize: encodeFetchResponseReusing as (v: unknown) => Buffer, responseDeserialize: decodeFetchResponse };
  log['FetchStream'] = { ...fetchStream, responseSerialize: encodeFetchResponseReusing as (v: unknown) => Buffer, responseDeserialize: decodeFetchResponse };
  log['Tail'] = { ...tail, responseSerialize: encodeFetchPartitionResponseReusing as (v: unknown) => Buffer, responseDeserialize: decodeFetchPartitionResponse };
  const replica = definition['runnel.v1.Replica'] as Record<string, grpc.MethodDefinition<unknown, unknown>>;
  const replicaFetch = replica['ReplicaFetch'];
  const replicaFetchStream = replica['ReplicaFetchStream'];
  if (replicaFetch === undefined || replicaFetchStream === undefined) throw new Error('runnel.v1.Replica lacks ReplicaFetch or ReplicaFetchStream: proto/ and the codec disagree');
  // Followers move every replicated byte through this response (measured: the leader's V8 workers,
  // marking heaps grown by protobufjs's per-response buffers, were most of its CPU at RF 3).
  replica['ReplicaFetch'] = { ...replicaFetch, responseSerialize: encodeReplicaFetchResponseReusing as (v: unknown) => Buffer, responseDeserialize: decodeReplicaFetchResponse };
  replica['ReplicaFetchStream'] = { ...replicaFetchStream, responseSerialize: encodeReplicaFetchResponseReusing as (v: unknown) => Buffer, responseDeserialize: decodeReplicaFetchResponse };
}
