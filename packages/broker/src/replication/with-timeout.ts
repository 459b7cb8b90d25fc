import { RunnelError } from '@runnel/protocol';
import type { Clock } from './clock.ts';

/** The reason a finished call cancels its timer with (a given reason spares creating a DOMException per call). */
const DONE = new Error('done');

/**
 * Runs `fn` with a signal that aborts after `ms` on `clock` (or when `signal` aborts); rejects
 * with REQUEST_TIMED_OUT when the time runs out first. Uses the injected clock, never a real
 * timer, so the simulation stays deterministic.
 */
export async function withTimeout<T>(clock: Clock, ms: number, what: string, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = clock.sleep(ms, controller.signal).then(
    () => {
      timedOut = true;
      controller.abort(new RunnelError('REQUEST_TIMED_OUT', `${what} did not answer within ${ms} ms`));
    },
    () => undefined,
  );
  try {
    return await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(timedOut ? new RunnelError('REQUEST_TIMED_OUT', `${what} did not answer within ${ms} ms`) : controller.signal.reason), { once: true });
      }),
    ]);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort(DONE);
    await timer;
  }
}
