import type * as grpc from '@grpc/grpc-js';
import { toGrpcStatus, type RunnelError } from '@runnel/protocol';

type AnyHandler = (call: unknown, callback?: (error: unknown, value?: unknown) => void) => void;

/**
 * Handlers for every method of `service` that call `current()`'s handler once it is there, and
 * until then answer each call with `starting()` (a retriable BROKER_NOT_AVAILABLE).
 *
 * Why: a broker must bind its port before it can start (the port goes into its broker Lease,
 * and replication may wait a whole lease duration for that Lease), but its Log and Admin handlers
 * exist only once it has started. A service added after binding answers UNIMPLEMENTED in between,
 * which clients rightly treat as final; this gate makes a starting broker answer "retry".
 */
export function gatedHandlers(
  service: grpc.ServiceDefinition,
  current: () => grpc.UntypedServiceImplementation | undefined,
  starting: () => RunnelError,
): grpc.UntypedServiceImplementation {
  const handlers: Record<string, AnyHandler> = {};
  for (const [name, method] of Object.entries(service)) {
    handlers[name] = (call, callback) => {
      const ready = current()?.[name] as AnyHandler | undefined;
      if (ready !== undefined) {
        ready(call, callback);
        return;
      }
      const status = toGrpcStatus(starting());
      // Unary and client-streaming calls answer through the callback; streaming responses end
      // with the status (as the Tail handler does for its errors).
      if (!method.responseStream) callback?.(status, null);
      else (call as NodeJS.EventEmitter).emit('error', status);
    };
  }
  return handlers as grpc.UntypedServiceImplementation;
}
