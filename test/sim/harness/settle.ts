/**
 * Runs a simulation until a promise settles: the bridge between test code (which awaits) and
 * virtual time (which moves only while the scheduler runs events).
 */
import type { SimScheduler } from './sim-scheduler.ts';

/** The outcome of a promise driven by {@link drive}. */
export type Settled<T> = { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'pending' };

/** Runs events until `promise` settles or `timeoutMs` of virtual time pass. Never throws for the promise's rejection. */
export async function drive<T>(scheduler: SimScheduler, promise: Promise<T>, timeoutMs = 60_000): Promise<Settled<T>> {
  let outcome: Settled<T> = { status: 'pending' };
  promise.then(
    (value) => void (outcome = { status: 'fulfilled', value }),
    (reason: unknown) => void (outcome = { status: 'rejected', reason }),
  );
  // Let an already-settled promise report before the first event.
  await new Promise<void>((resolve) => setImmediate(resolve));
  await scheduler.runUntil(() => outcome.status !== 'pending', timeoutMs);
  return outcome;
}

/** Like {@link drive}, but returns the value and throws the rejection (or a timeout error). */
export async function driveValue<T>(scheduler: SimScheduler, promise: Promise<T>, timeoutMs = 60_000): Promise<T> {
  const outcome = await drive(scheduler, promise, timeoutMs);
  if (outcome.status === 'fulfilled') return outcome.value;
  if (outcome.status === 'rejected') throw outcome.reason;
  throw new Error(`Still pending after ${timeoutMs} ms of virtual time`);
}
