import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnelError } from './errors.ts';
import { ERROR_DOMAIN, STATUS_DETAILS_KEY, fromGrpcError, toGrpcStatus } from './grpc-status.ts';

// A tiny echo service that fails every call with the status it is told to, so that the mapping
// is tested through a real grpc-js server and client (trailers and all), not just in memory.
const service: grpc.ServiceDefinition = {
  fail: {
    path: '/test.Failer/Fail',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (value: Buffer) => value,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (value: Buffer) => value,
  },
};

let server: grpc.Server;
let client: grpc.Client;
let nextFailure: grpc.ServerErrorResponse = { name: 'x', message: 'x', code: grpc.status.INTERNAL };

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(service, {
    fail: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(nextFailure),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
  client.close();
  server.forceShutdown();
});

function callFailing(failure: grpc.ServerErrorResponse): Promise<grpc.ServiceError> {
  nextFailure = failure;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      service['fail']!.path,
      (value: Buffer) => value,
      (value: Buffer) => value,
      Buffer.alloc(0),
      (error, _value) => (error === null ? reject(new Error('the call did not fail')) : resolve(error)),
    );
  });
}

describe('toGrpcStatus', () => {
  it('uses the table status and puts a google.rpc.Status with an ErrorInfo in the trailer', () => {
    const status = toGrpcStatus(new RunnelError('NOT_LEADER', 'Broker 1 does not lead t-0', { leaderHint: 3 }));
    expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(status.details).toBe('Broker 1 does not lead t-0');
    const raw = status.metadata.get(STATUS_DETAILS_KEY)[0] as Buffer;
    // Decode with a schema written here from googleapis' published field numbers.
    const root = protobuf.parse(`syntax = "proto3";
      message Any { string type_url = 1; bytes value = 2; }
      message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
      message ErrorInfo { string reason = 1; string domain = 2; map<string, string> metadata = 3; }`, { keepCase: true }).root;
    const decoded = root.lookupType('Status').toObject(root.lookupType('Status').decode(raw));
    expect(decoded['code']).toBe(grpc.status.FAILED_PRECONDITION);
    expect(decoded['message']).toBe('Broker 1 does not lead t-0');
    const [any] = decoded['details'] as Array<{ type_url: string; value: Uint8Array }>;
    expect(any?.type_url).toBe('type.googleapis.com/google.rpc.ErrorInfo');
    const info = root.lookupType('ErrorInfo').toObject(root.lookupType('ErrorInfo').decode(any!.value));
    expect(info).toEqual({ reason: 'NOT_LEADER', domain: ERROR_DOMAIN, metadata: { retriable: 'true', leaderHint: '3' } });
  });
});

describe('fromGrpcError over a real gRPC call', () => {
  it('recovers code, message and leader hint from the status details', async () => {
    const sent = new RunnelError('FENCED_LEADER_EPOCH', 'Epoch 4 is older than 5 for t-1', { leaderHint: 2 });
    const received = fromGrpcError(await callFailing({ name: 'RunnelError', message: sent.message, ...toGrpcStatus(sent) }));
    expect(received).toMatchObject({ code: 'FENCED_LEADER_EPOCH', message: sent.message, retriable: true, leaderHint: 2 });
    expect(received.cause).toMatchObject({ code: grpc.status.FAILED_PRECONDITION });
  });

  it('maps a status without details by its gRPC code', async () => {
    const received = fromGrpcError(await callFailing({ name: 'x', message: 'x', code: grpc.status.UNAVAILABLE, details: 'draining' }));
    expect(received).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true, message: 'draining' });
    const other = fromGrpcError(await callFailing({ name: 'x', message: 'x', code: grpc.status.DATA_LOSS, details: '' }));
    expect(other).toMatchObject({ code: 'UNKNOWN_SERVER_ERROR', message: 'gRPC call failed with status DATA_LOSS' });
  });

  it('accepts a plain Error where a ServiceError was expected', () => {
    const received = fromGrpcError(new Error('stream ended unexpectedly') as grpc.ServiceError);
    expect(received).toMatchObject({ code: 'UNKNOWN_SERVER_ERROR', message: 'stream ended unexpectedly' });
  });

  it('ignores undecodable details instead of failing', async () => {
    const metadata = new grpc.Metadata();
    metadata.set(STATUS_DETAILS_KEY, Buffer.from([0xff, 0xff, 0xff]));
    const received = fromGrpcError(
      await callFailing({ name: 'x', message: 'x', code: grpc.status.DEADLINE_EXCEEDED, details: 'slow', metadata }),
    );
    expect(received).toMatchObject({ code: 'REQUEST_TIMED_OUT', message: 'slow' });
  });

  it('maps a call failure with no server (connection refused) to BROKER_NOT_AVAILABLE', async () => {
    const lonely = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError>((resolve, reject) => {
      lonely.makeUnaryRequest(
        '/test.Failer/Fail',
        (value: Buffer) => value,
        (value: Buffer) => value,
        Buffer.alloc(0),
        (failure, _value) => (failure === null ? reject(new Error('the call did not fail')) : resolve(failure)),
      );
    });
    lonely.close();
    expect(fromGrpcError(error)).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true });
  });
});
