/**
 * Per-partition errors as they travel in responses (`runnel.v1.Error`), to and from RunnelError.
 */
import { RunnelError, isErrorCode } from './errors.ts';
import type { Error as WireErrorInput, Error__Output as WireError } from './generated/runnel/v1/Error.ts';

/** The wire form of an error: `runnel.v1.Error` with every field present. */
export type { WireError, WireErrorInput };

/**
 * The wire form of `err`. A RunnelError keeps its code, message, retriable flag and leader hint
 * (-1 when absent). Anything else is a bug on the sender's side: it becomes UNKNOWN_SERVER_ERROR
 * with a message that names only the error's class, so internals never leak to clients.
 */
export function toWireError(err: unknown): WireError {
  if (err instanceof RunnelError) {
    return { code: err.code, message: err.message, retriable: err.retriable, leaderHint: err.leaderHint ?? -1 };
  }
  const kind = err instanceof Error ? err.name : typeof err;
  return {
    code: 'UNKNOWN_SERVER_ERROR',
    message: `Unexpected broker error (${kind}); see the broker log for details`,
    retriable: false,
    leaderHint: -1,
  };
}

/**
 * The RunnelError for a wire error. A code this side does not know (a newer peer) becomes
 * UNKNOWN_SERVER_ERROR, keeping the peer's retriable flag and naming the code in the message.
 * The leader hint is kept only when it names a broker (>= 0).
 */
export function fromWireError(wire: WireErrorInput): RunnelError {
  const code = wire.code ?? '';
  const message = wire.message ?? '';
  const leaderHint = wire.leaderHint !== undefined && wire.leaderHint >= 0 ? { leaderHint: wire.leaderHint } : {};
  if (isErrorCode(code)) return new RunnelError(code, message, leaderHint);
  return new RunnelError('UNKNOWN_SERVER_ERROR', `${code === '' ? '(no code)' : code}: ${message}`, {
    retriable: wire.retriable ?? false,
  });
}
