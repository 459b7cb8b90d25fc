/**
 * Errors that fail a whole gRPC request, in gRPC's rich error model: the status carries a
 * `grpc-status-details-bin` trailer holding a google.rpc.Status whose details contain one
 * google.rpc.ErrorInfo { reason: <ErrorCode>, domain: 'runnel.dev', metadata: { retriable } }.
 * Clients in any language can read the code from there with their standard gRPC tooling.
 */
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { ErrorCodes, RunnelError, isErrorCode, type ErrorCode } from './errors.ts';

/** The ErrorInfo domain of Runnel's errors. */
export const ERROR_DOMAIN = 'runnel.dev';

/** The trailer that carries the serialized google.rpc.Status. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const ERROR_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

// The three messages of the rich error model, as published in googleapis (google/rpc/status.proto,
// google/rpc/error_details.proto, google/protobuf/any.proto). Field numbers are part of their
// wire contract and never change.
const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: {
          nested: {
            Status: {
              fields: {
                code: { type: 'int32', id: 1 },
                message: { type: 'string', id: 2 },
                details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 },
              },
            },
            ErrorInfo: {
              fields: {
                reason: { type: 'string', id: 1 },
                domain: { type: 'string', id: 2 },
                metadata: { keyType: 'string', type: 'string', id: 3 } as protobuf.IMapField,
              },
            },
          },
        },
      },
    },
  },
});
const StatusType = root.lookupType('google.rpc.Status');
const ErrorInfoType = root.lookupType('google.rpc.ErrorInfo');

interface AnyMessage { type_url: string; value: Uint8Array }
interface StatusMessage { code: number; message: string; details: AnyMessage[] }
interface ErrorInfoMessage { reason: string; domain: string; metadata: Record<string, string> }

/** A gRPC status object as grpc-js servers accept it in a handler callback or `call.emit('error')`. */
export interface RunnelGrpcStatus {
  code: grpc.status;
  details: string;
  metadata: grpc.Metadata;
}

/**
 * The gRPC status for `err`: the table's status code, the message as details, and the rich
 * error trailer naming the code, its retriable flag and the leader hint when there is one.
 */
export function toGrpcStatus(err: RunnelError): RunnelGrpcStatus {
  const code = ErrorCodes[err.code].grpcStatus as grpc.status;
  const metadata: Record<string, string> = { retriable: String(err.retriable) };
  if (err.leaderHint !== undefined) metadata['leaderHint'] = String(err.leaderHint);
  const info = ErrorInfoType.encode(
    ErrorInfoType.fromObject({ reason: err.code, domain: ERROR_DOMAIN, metadata }),
  ).finish();
  const status = StatusType.encode(
    StatusType.fromObject({ code, message: err.message, details: [{ type_url: ERROR_INFO_TYPE_URL, value: info }] }),
  ).finish();
  const trailers = new grpc.Metadata();
  trailers.set(STATUS_DETAILS_KEY, Buffer.from(status.buffer, status.byteOffset, status.byteLength));
  return { code, details: err.message, metadata: trailers };
}

/**
 * Maps a failed call back to a RunnelError. The code comes from the ErrorInfo reason when the
 * server sent one; otherwise from the gRPC status alone (a transport failure, a proxy, a server
 * that is not Runnel): UNAVAILABLE => BROKER_NOT_AVAILABLE, DEADLINE_EXCEEDED => REQUEST_TIMED_OUT,
 * CANCELLED => CANCELLED, UNIMPLEMENTED => NOT_SUPPORTED, INVALID_ARGUMENT => INVALID_REQUEST,
 * anything else => UNKNOWN_SERVER_ERROR. The original error is the `cause`.
 */
export function fromGrpcError(err: grpc.ServiceError): RunnelError {
  const info = readErrorInfo(err.metadata);
  // Tolerate plain Errors too (a stream's 'error' event is not always a ServiceError).
  const isServiceError = typeof err.code === 'number' && typeof err.details === 'string';
  const message = !isServiceError
    ? err.message || 'gRPC call failed'
    : err.details !== ''
      ? err.details
      : `gRPC call failed with status ${grpc.status[err.code] ?? String(err.code)}`;
  if (info !== undefined) {
    const retriableText = info.metadata['retriable'];
    const retriable = retriableText === undefined ? undefined : retriableText === 'true';
    const hint = info.metadata['leaderHint'];
    const leaderHint = hint !== undefined && /^-?\d+$/.test(hint) ? Number(hint) : undefined;
    if (isErrorCode(info.reason)) {
      return new RunnelError(info.reason, message, {
        cause: err,
        ...(leaderHint === undefined ? {} : { leaderHint }),
      });
    }
    // A code from a newer peer: keep its retriable flag so the client still does the right thing.
    return new RunnelError('UNKNOWN_SERVER_ERROR', `${info.reason}: ${message}`, {
      cause: err,
      ...(retriable === undefined ? {} : { retriable }),
    });
  }
  return new RunnelError(codeForStatus(err.code), message, { cause: err });
}

function codeForStatus(status: grpc.status): ErrorCode {
  switch (status) {
    case grpc.status.UNAVAILABLE:
      return 'BROKER_NOT_AVAILABLE';
    case grpc.status.DEADLINE_EXCEEDED:
      return 'REQUEST_TIMED_OUT';
    case grpc.status.CANCELLED:
      return 'CANCELLED';
    case grpc.status.UNIMPLEMENTED:
      return 'NOT_SUPPORTED';
    case grpc.status.INVALID_ARGUMENT:
      return 'INVALID_REQUEST';
    default:
      return 'UNKNOWN_SERVER_ERROR';
  }
}

function readErrorInfo(metadata: grpc.Metadata | undefined): ErrorInfoMessage | undefined {
  const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
  if (raw === undefined || typeof raw === 'string') return undefined;
  let status: StatusMessage;
  try {
    status = StatusType.toObject(StatusType.decode(raw), { defaults: true }) as StatusMessage;
  } catch {
    // Undecodable details from a foreign server: fall back to the status code alone.
    return undefined;
  }
  for (const detail of status.details) {
    if (detail.type_url !== ERROR_INFO_TYPE_URL) continue;
    try {
      const info = ErrorInfoType.toObject(ErrorInfoType.decode(detail.value), { defaults: true }) as ErrorInfoMessage;
      if (info.domain === ERROR_DOMAIN) return info;
    } catch {
      continue;
    }
  }
  return undefined;
}
