import type { ObjectCollection, Versioned } from './metadata-store.ts';

/** What re-reading found after a write with an unknown outcome. */
export interface SettledWrite<T> {
  /** True when the object now carries this write (matched by the caller's proposal id). */
  readonly applied: boolean;
  /** The object as it is now (undefined if it does not exist). */
  readonly current: Versioned<T> | undefined;
}

/**
 * Settles a write that failed with `UNKNOWN_OUTCOME` (DESIGN.md §6 rule 7): re-reads the object by
 * a consistent `get` and asks `isMine` whether the stored value is the one this writer proposed
 * (compare the `proposalId` written with it). Never retries the write itself: if it was not
 * applied, the caller re-derives its change from `current`, as after a CONFLICT.
 */
export async function settleUncertainWrite<T>(collection: ObjectCollection<T>, name: string, isMine: (value: T) => boolean): Promise<SettledWrite<T>> {
  const current = await collection.get(name);
  return { applied: current !== undefined && isMine(current.value), current };
}
