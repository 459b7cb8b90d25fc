import * as grpc from '@grpc/grpc-js';
import { toGrpcStatus, RunnelError } from '@runnel/protocol';
import { describe, expect, it } from 'vitest';
import { callError } from './call-error.ts';

function serviceError(code: grpc.status, details: string, metadata = new grpc.Metadata()): grpc.ServiceError {
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

describe('callError', () => {
  it('reads a CANCELLED the client did not ask for as a lost connection: retriable BROKER_NOT_AVAILABLE', () => {
    const err = callError(serviceError(grpc.status.CANCELLED, 'Call cancelled'), 'Produce stream to broker b:1', false);
    expect(err).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true, message: 'Produce stream to broker b:1 failed: the connection to the broker was lost (Call cancelled)' });
  });

  it('keeps CANCELLED, not retriable, when the client cancelled the call itself', () => {
    const err = callError(serviceError(grpc.status.CANCELLED, 'Call cancelled'), 'Fetch', true);
    expect(err).toMatchObject({ code: 'CANCELLED', retriable: false });
  });

  it('keeps the broker\'s own code and leader hint, and drops an empty "Resolution note:"', () => {
    const status = toGrpcStatus(new RunnelError('NOT_LEADER', 'Broker 1 does not lead t-0', { leaderHint: 2 }));
    expect(callError(serviceError(status.code, status.details, status.metadata), 'Metadata', false)).toMatchObject({ code: 'NOT_LEADER', retriable: true, leaderHint: 2 });
    const refused = callError(serviceError(grpc.status.UNAVAILABLE, 'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '), 'Metadata request to 127.0.0.1:1', false);
    expect(refused).toMatchObject({ code: 'BROKER_NOT_AVAILABLE', retriable: true, message: 'Metadata request to 127.0.0.1:1 failed: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1' });
  });
});
