import * as grpc from '@grpc/grpc-js';
import { fromGrpcError, RunnelError } from '@runnel/protocol';

/**
 * The RunnelError for a failed gRPC call or stream, whose message starts with `what` ("Fetch from
 * broker 127.0.0.1:9092 failed: ...").
 *
 * A CANCELLED status that the client did not ask for is a lost connection, not a cancellation: a
 * broker that crashes or shuts down resets its HTTP/2 streams with CANCEL, which grpc-js reports as
 * CANCELLED ("Call cancelled"). Kafka clients treat a disconnect as retriable, and so does this
 * one: it becomes BROKER_NOT_AVAILABLE. CANCELLED stays reserved for the caller's own abort or
 * close, so a send that fails with it was given up by the caller, not by the cluster.
 */
export function callError(err: grpc.ServiceError, what: string, cancelledByClient: boolean): RunnelError {
  const mapped = fromGrpcError(err);
  const message = tidy(mapped.message);
  if (err.code === grpc.status.CANCELLED && !cancelledByClient) {
    return new RunnelError('BROKER_NOT_AVAILABLE', `${what} failed: the connection to the broker was lost (${message})`, { cause: err });
  }
  return new RunnelError(mapped.code, `${what} failed: ${message}`, {
    cause: err,
    retriable: mapped.retriable,
    ...(mapped.leaderHint === undefined ? {} : { leaderHint: mapped.leaderHint }),
  });
}

/** grpc-js ends some messages with an empty "Resolution note: "; drop it rather than print nothing after it. */
function tidy(message: string): string {
  return message.replace(/\.?\s*Resolution note:\s*$/, '').trim();
}
