import { fromWireError, RunnelError, type WireErrorInput } from '@runnel/protocol';

/**
 * The RunnelError of one partition's answer. The code's retriable flag comes from the error table,
 * except when the broker says this occurrence is not retriable (a partition offline for a cause
 * that lasts until an operator acts, such as a log that cannot be opened): then the request fails
 * at once with that cause instead of being retried until the delivery timeout.
 */
export function partitionError(wire: WireErrorInput): RunnelError {
  const err = fromWireError(wire);
  if (wire.retriable !== false || !err.retriable) return err;
  return new RunnelError(err.code, err.message, { retriable: false, ...(err.leaderHint === undefined ? {} : { leaderHint: err.leaderHint }) });
}
